"""The text a planning model reads: the studio's instructions and the project as JSON.

The project part holds what the model needs to plan and nothing private: scenes and
their lines with ids, the format and length, the voices and blends it may choose,
the pronunciation dictionary, the current image prompts and the creator's own
direction.

A script too long for one call (the model's context window, or more lines than one
reply of `max_tokens` can plan) is planned in parts, whole scenes each, one call per
part; later parts are told the shared style the first part chose (`with_style`), so
every prompt keeps one look. A scene that does not fit a call on its own is refused
with a sentence naming the limit, before any call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from studio.engines.planning import TOKENS_PER_MESSAGE, count_tokens
from studio.errors import StudioError
from studio.plan.schema import MAX_NEGATIVE, MAX_PAUSE, MAX_PROMPT, MAX_STYLE, REPLY_SCHEMA, SCHEMA_ID
from studio.project.manifest import SPEED_RANGE

WORDS_PER_MINUTE = 150  # a calm narrator
# About what one reply takes to plan a part (tokens): its frame, style and notes; each scene's
# prompt and negative prompt (a typical 400 characters, not the 900 allowed); each line's
# direction or note, which most lines do not need. A part whose reply would not fit in
# `max_tokens` is made smaller, as one whose prompt would not fit the context.
REPLY_BASE_TOKENS = 300
REPLY_TOKENS_PER_SCENE = 120
REPLY_TOKENS_PER_LINE = 10
# Where a later part is told the first part's style: quoted with room for the longest one.
STYLE_SLOT = "\u2063" * (MAX_STYLE + 16)


class PlanRefused(StudioError):
    """The studio will not ask for (or keep) this plan; nothing was sent or applied."""


SYSTEM = f"""You plan narrated videos for Stitch Studio. Local models do the work: a text-to-speech \
voice (Kokoro) reads each line, a diffusion model draws one image per scene. You decide what they \
should do. Answer with one JSON object that follows the schema given ({SCHEMA_ID}); no prose outside it.

- scenes: one image prompt per scene id given, at most {MAX_PROMPT} characters, concrete and visual, \
all in one shared style (put it in "style" and in every prompt), plus a negative prompt (at most \
{MAX_NEGATIVE} characters).
- pronunciations: only words the voice will likely get wrong (names, places, acronyms, numbers, \
units), each as a respelling such as KOH-koh-roh or phonemes between slashes. Skip words already in \
the dictionary unless the entry is wrong.
- lines: only lines that need direction: speed {SPEED_RANGE[0]} to {SPEED_RANGE[1]} (1.0 is normal), \
pause_after in seconds (0 to {MAX_PAUSE:g}), voice from the voices or blends listed. Use null for \
what stays as it is.
- splits and merges: suggestions for overlong lines or fragments; the creator decides.
- notes: review notes for the creator: hard-to-say sentences, inconsistent names, likely typos, a \
hook that comes too late.
Use the ids exactly as given; never invent one."""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    lines: int
    tokens: int  # what the call reads: the system text, the schema, the project (as counted)
    scene_ids: tuple[str, ...] = ()
    part: int = 1
    parts: int = 1

    def with_style(self, style: str) -> str:
        """The user text with the shared style the first part chose (a later part's slot filled)."""
        said = json.dumps(style.strip(), ensure_ascii=False) if style.strip() else "none was chosen: choose one"
        return self.user.replace(STYLE_SLOT, said)


def project_brief(project, voices: list[str], direction: str = "") -> dict:
    """The project as the model reads it."""
    scenes = []
    for scene in project.scenes:
        prompt, source = project.prompt_and_source(scene.id)
        scenes.append({
            "scene_id": scene.id, "title": scene.title,
            "image_prompt": prompt if source != "suggested" else "",
            "negative_prompt": project.scene_negative_prompt(scene.id),
            "lines": [{"line_id": line.id, "text": line.text, "voice": project.line_voice(line.id),
                       "speed": project.line_speed(line.id), "pause_after": project.line_pause(line.id)}
                      for line in scene.lines if line.text.strip()],
        })
    words = sum(len(line.text.split()) for line in project.lines)
    return {
        "title": project.manifest.title or project.folder.name,
        "format": project.manifest.format,
        "length": {"lines": sum(len(s["lines"]) for s in scenes), "words": words,
                   "minutes": round(words / WORDS_PER_MINUTE, 1)},
        "voice": {"default": project.manifest.voice or (voices[0] if voices else ""), "speed": project.manifest.speed,
                  "voices": list(voices), "blends": project.blends()},
        "dictionary": project.pronunciations(),
        "direction": direction.strip(),
        "scenes": [s for s in scenes if s["lines"] or s["title"]],
    }


def reply_tokens(scenes: int, lines: int) -> int:
    """About what a reply planning this many scenes and lines takes."""
    return REPLY_BASE_TOKENS + REPLY_TOKENS_PER_SCENE * scenes + REPLY_TOKENS_PER_LINE * lines


@lru_cache(maxsize=1)
def _fixed_tokens() -> int:
    """The system text and the schema: the same in every call."""
    return count_tokens(SYSTEM) + count_tokens(json.dumps(REPLY_SCHEMA)) + 3 * TOKENS_PER_MESSAGE


def _frame_tokens(user: str) -> int:
    return _fixed_tokens() + count_tokens(user)


def _user(brief: dict, scenes: list[dict], part: int, parts: int) -> str:
    if parts == 1:
        return "Plan this project. Its data, as JSON:\n" + json.dumps({**brief, "scenes": scenes}, ensure_ascii=False, indent=1)
    style = ("Begin with one shared style for the whole video, in \"style\" and in every prompt." if part == 1 else
             f"The earlier parts chose this shared style; use it in every prompt, and give it as \"style\": {STYLE_SLOT}.")
    return (f"The script is too long for one reply, so it is planned in {parts} parts, one call each. This is part "
            f"{part} of {parts}: plan only the scenes and lines given here, and name no others. {style} "
            "The dictionary, voices and length are the whole project's. Its data, as JSON:\n"
            + json.dumps({**brief, "part": {"number": part, "of": parts}, "scenes": scenes}, ensure_ascii=False, indent=1))


def _scene_chars(scene: dict) -> int:
    """The characters a scene adds to a part's JSON, at most (it sits two levels in: more indent)."""
    text = json.dumps(scene, ensure_ascii=False, indent=1)
    return len(text) + 3 * text.count("\n") + 4


def build_prompts(project, voices: list[str], direction: str = "", *, context_tokens: int = 128_000,
                  max_tokens: int = 4096) -> list[Prompt]:
    """What to send: one prompt for the whole script when it fits one call, else one per part."""
    brief = project_brief(project, voices, direction)
    count = brief["length"]["lines"]
    if count == 0:
        raise PlanRefused("The script has no lines to plan yet: write some, then ask for a plan.")
    scenes = brief["scenes"]
    line_count = [len(s["lines"]) for s in scenes]
    sizes = [_scene_chars(s) for s in scenes]  # each scene's JSON once: a long script is not dumped whole first
    at_most = _frame_tokens(_user(brief, [], 1, 1)) + -(-sum(sizes) // 4)
    if at_most + max_tokens <= context_tokens and reply_tokens(len(scenes), count) <= max_tokens:
        whole = _user(brief, scenes, 1, 1)
        return [Prompt(SYSTEM, whole, count, _frame_tokens(whole), tuple(s["scene_id"] for s in scenes))]

    # In parts: the frame of the largest part (a later one, its style slot full), plus each scene's JSON.
    frame = _frame_tokens(_user(brief, [], 2, 2))
    room = context_tokens - max_tokens - frame  # tokens of scenes a part may hold
    groups: list[list[int]] = []
    chars = lines = 0
    for i, scene in enumerate(scenes):
        size = sizes[i]
        title = scene["title"] or "untitled"
        if -(-size // 4) > room:
            raise PlanRefused(
                f"The scene “{title}” alone is about {-(-size // 4) + frame:,} tokens, and with {max_tokens:,} for the "
                f"reply that is more than the {context_tokens:,} the planning model reads at once: split it under more "
                "headings, or pick a model with a larger context (context_tokens under [engines.<id>]).")
        if reply_tokens(1, line_count[i]) > max_tokens:
            most = (max_tokens - REPLY_BASE_TOKENS - REPLY_TOKENS_PER_SCENE) // REPLY_TOKENS_PER_LINE
            raise PlanRefused(
                f"The scene “{title}” has {line_count[i]:,} lines, more than one reply of {max_tokens:,} tokens can plan "
                f"(about {max(most, 0):,} lines a call): split it under more headings, or give the planner more room "
                "(max_tokens under [engines.<id>]).")
        fits = (groups and -(-(chars + size) // 4) <= room
                and reply_tokens(len(groups[-1]) + 1, lines + line_count[i]) <= max_tokens)
        if fits:
            groups[-1].append(i)
            chars, lines = chars + size, lines + line_count[i]
        else:
            groups.append([i])
            chars, lines = size, line_count[i]
    out = []
    for part, group in enumerate(groups, 1):
        chosen = [scenes[i] for i in group]
        user = _user(brief, chosen, part, len(groups))
        out.append(Prompt(SYSTEM, user, sum(line_count[i] for i in group), _frame_tokens(user),
                          tuple(s["scene_id"] for s in chosen), part, len(groups)))
    return out
