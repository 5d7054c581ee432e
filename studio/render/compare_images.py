"""Compare image engines: the project's draft image route against a candidate, on its own scenes.

`plan_image_comparison` picks the scenes (the hard sample: the longest and the shortest
prompt, then prompts with numbers, names or unusual punctuation, then the longest of the
rest), makes both engines and every request before anything is rendered: both sides get
the same prompt, seed and size. A candidate that is not installed, is no image engine or
has no weights fails there with a sentence, and nothing is written. `run_image_comparison`
(worker side) renders each scene through the image pipeline (`jobs/imaging.py`), timing
each picture and measuring the memory it took, then writes the contact sheet (A | B per
scene, captioned with the scene's name) and the record and report that voice comparisons
use (`compare/record.py`, `compare_report.py`).

Everything lives in `.stitch/comparisons/<id>/` (A-<scene>.png, B-<scene>.png,
contact-sheet.png) beside `<id>.json` and `<id>.html`: no picture becomes an image take
of the project, so none replaces the creator's chosen image or counts as stale work.

Peak memory is the process's resident memory (RSS), sampled every few milliseconds
while a picture renders, minus what it held just before: torch allocates its tensors
outside Python's allocator, so `tracemalloc` does not see them, and `ru_maxrss` is a
high-water mark for the process's whole life, so once the first side has peaked the
second side's delta reads zero whatever it used. On CUDA the GPU's own peak
(`torch.cuda.max_memory_allocated`) is recorded too.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from studio.engines.base import TaskState, check_cancelled, is_hosted
from studio.engines.images import MAX_SEED
from studio.errors import Cancelled, EngineError, StudioError
from studio.jobs import imaging
from studio.money.ledger import project_ledger, shared_budget
from studio.money.prices import format_money, money
from studio.render.compare.candidate import Candidate
from studio.render.compare.record import (
    COMPARISONS, SCHEMA, TIER, Comparison, candidate_failure, comparisons_dir, remove_folder,
    remove_unfinished,
)
from studio.render.compare.sample import CAPITAL, NUMBER, UNUSUAL
from studio.render.compare.verdict import verdict
from studio.storage import atomic_write_bytes

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_SAMPLE = 4
REQUEST_KEYS = ("steps", "guidance", "size", "seed")  # what `--set` changes in each request; the rest configures the engine
SHEET = "contact-sheet.png"
PAD, CAPTION, HEADER = 8, 22, 24  # the contact sheet's spacing, in pixels
MEMORY_METHOD = "resident memory (RSS) sampled during each render, minus RSS just before"

__all__ = ["COMPARISONS", "plan_image_comparison", "run_image_comparison", "contact_sheet", "tile_boxes"]


# -- the sample -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenePick:
    scene_id: str
    number: int
    title: str
    prompt: str
    reasons: tuple[str, ...]


def prompt_reasons(prompt: str) -> list[str]:
    reasons = []
    if NUMBER.search(prompt):
        reasons.append("numbers")
    words = prompt.split()
    if any(CAPITAL.fullmatch(w.strip(".,;:!?\"'()")) for w in words[1:]):
        reasons.append("names")
    if UNUSUAL & set(prompt):
        reasons.append("unusual punctuation")
    return reasons


def scene_prompts(project: "Project") -> list[tuple[int, object, str]]:
    """(number from 1, scene, prompt) for every scene with a prompt."""
    out = []
    for number, scene in enumerate(project.scenes, 1):
        prompt = (project.scene_prompt(scene.id) or "").strip()
        if prompt:
            out.append((number, scene, prompt))
    return out


def hard_scenes(project: "Project", k: int = DEFAULT_SAMPLE) -> list[ScenePick]:
    """Up to `k` scenes: the longest and the shortest prompt, then prompts with numbers, names,
    unusual punctuation, then the longest of the rest; in script order."""
    scenes = scene_prompts(project)
    if not scenes or k <= 0:
        return []
    by_length = sorted(scenes, key=lambda s: -len(s[2].split()))
    reasons = {s[1].id: prompt_reasons(s[2]) for s in scenes}
    chosen: dict[str, list[str]] = {}

    def take(scene_id: str, why: str) -> None:
        if scene_id not in chosen and len(chosen) < k:
            chosen[scene_id] = [why]

    take(by_length[0][1].id, "longest prompt")
    take(by_length[-1][1].id, "shortest prompt")
    for kind in ("numbers", "names", "unusual punctuation"):
        for _n, scene, _p in by_length:
            if kind in reasons[scene.id] and scene.id not in chosen:
                take(scene.id, kind)
                break
    for _n, scene, _p in by_length:
        take(scene.id, "long prompt")
    for scene_id, why in chosen.items():
        why.extend(r for r in reasons[scene_id] if r not in why)
    return [ScenePick(scene.id, n, scene.title, prompt, tuple(chosen[scene.id]))
            for n, scene, prompt in scenes if scene.id in chosen]


def pick_scene_ids(project: "Project", wanted: list[str]) -> list[ScenePick]:
    """The scenes named by number (from 1) or id (`--lines`), each with a prompt."""
    numbered = list(enumerate(project.scenes, 1))
    picks: list[ScenePick] = []
    for name in wanted:
        match = [(n, s) for n, s in numbered if str(n) == name or s.id == name]
        if not match:
            raise StudioError(f"There is no scene '{name}': the scenes are numbered 1 to {len(numbered)}.")
        for number, scene in match:
            prompt = (project.scene_prompt(scene.id) or "").strip()
            if not prompt:
                raise StudioError(f"Scene {number} has no image prompt: describe it in the Images panel first.")
            if all(p.scene_id != scene.id for p in picks):
                picks.append(ScenePick(scene.id, number, scene.title, prompt, tuple(["chosen"] + prompt_reasons(prompt))))
    return picks


def scene_seed(project: "Project", scene_id: str) -> int:
    """The seed both sides use: the scene's current image's, so A looks like what the creator
    knows; else one drawn from the scene's id, the same every time."""
    take = project.chosen_image(scene_id)
    if take is not None and take.seed is not None:
        return int(take.seed)
    return int.from_bytes(hashlib.sha256(scene_id.encode()).digest()[:4], "big") % (MAX_SEED + 1)


# -- planning ---------------------------------------------------------------------------


@dataclass
class ImageSide:
    role: str
    engine: object
    requests: dict  # scene id -> ImageRequest
    settings: dict

    @property
    def hosted(self) -> bool:
        return is_hosted(self.engine)

    def describe(self) -> dict:
        first = next(iter(self.requests.values()), None)
        return {
            "engine": self.engine.id,
            "label": getattr(self.engine, "label", "") or self.engine.id,
            "model": first.model if first else "",
            "steps": first.steps if first else None,
            "size": f"{first.width}×{first.height}" if first else "",
            "settings": dict(self.settings),
            "local": not self.hosted,
        }


@dataclass
class ImagePlan:
    project: "Project"
    registry: "EngineRegistry"
    candidate: Candidate
    picks: list[ScenePick]
    a: ImageSide
    b: ImageSide
    quote: Decimal
    paid: bool
    project_cost: dict
    id: str = ""

    def sentence(self) -> str:
        count = f"{len(self.picks)} scene{'s' if len(self.picks) != 1 else ''}"
        label = getattr(self.b.engine, "label", self.b.engine.id)
        if not self.paid:
            return f"Comparing {count} with {label}: free (it runs here or on an unbilled server)."
        budget = shared_budget(self.project.folder, self.project.manifest.budget)
        return (f"Comparing {count} with {label}: about {format_money(self.quote)}; "
                f"{format_money(max(budget.remaining(), Decimal(0)))} of this project's "
                f"{format_money(budget.cap)} budget is left.")


def _requests(project: "Project", engine, picks: list[ScenePick], side: int | None, extra: dict,
              seeds: dict, size: tuple[int, int] | None = None) -> dict:
    out = {}
    for pick in picks:
        request = imaging.scene_request(engine, pick.prompt, project.manifest.format, seeds[pick.scene_id], side)
        width, height = imaging.engine_size(engine, project.manifest.format)
        if size is not None and width is None:  # same size as A unless the engine only makes its own sizes
            extra = {**extra, "width": size[0], "height": size[1]}
        if extra:
            request = engine.request(pick.prompt, seed=seeds[pick.scene_id],
                                     width=extra.get("width", request.width), height=extra.get("height", request.height),
                                     steps=extra.get("steps"), guidance=extra.get("guidance"))
            request.check()
        out[pick.scene_id] = request
    return out


def plan_image_comparison(project: "Project", registry: "EngineRegistry", candidate: Candidate, *,
                          scenes: list[str] | None = None, sample: int = DEFAULT_SAMPLE) -> ImagePlan:
    """Everything decided before a render: the scenes, both engines, every request (same prompt,
    seed and size), the price. Raises a StudioError, and writes nothing, when the candidate cannot be used."""
    picks = pick_scene_ids(project, scenes) if scenes else hard_scenes(project, sample)
    if not picks:
        raise StudioError("This project has no scene with an image prompt yet: add one to compare image engines.")
    settings = candidate.settings
    side = int(settings["size"]) if "size" in settings else None
    seeds = {p.scene_id: int(settings["seed"]) if "seed" in settings else scene_seed(project, p.scene_id) for p in picks}
    a_engine = imaging.image_engine(project, registry)
    a_requests = _requests(project, a_engine, picks, side, {}, seeds)
    first = next(iter(a_requests.values()))
    try:
        ids = registry.all_ids()
        if candidate.engine not in ids:
            raise EngineError(f"There is no engine called '{candidate.engine}'. Installed engines: {', '.join(ids) or 'none'}.")
        if candidate.engine not in registry.ids("image"):
            raise EngineError(f"'{candidate.engine}' is not an image engine; the image engines are "
                              f"{', '.join(registry.ids('image')) or 'none'}.")
        b_settings = {**project.manifest.engine_settings(candidate.engine),
                      **{k: v for k, v in settings.items() if k not in REQUEST_KEYS}}
        b_engine = registry.configured(candidate.engine, b_settings)
        b_engine.model()  # no weights: the sentence now, before anything is rendered
        extra = {k: settings[k] for k in ("steps", "guidance") if k in settings}
        b_requests = _requests(project, b_engine, picks, side, extra, seeds, (first.width, first.height))
    except StudioError as exc:
        raise type(exc)(f"The candidate {candidate.engine} cannot be compared: {exc.message} Nothing was changed.",
                        detail=getattr(exc, "detail", "")) from exc
    a = ImageSide("a", a_engine, a_requests, project.manifest.engine_settings(a_engine.id))
    b = ImageSide("b", b_engine, b_requests, b_settings)
    quote = _sum_quotes(b, b_requests.values())
    paid = bool(getattr(b_engine, "paid", False)) and b.hosted
    costs = {s.role: _project_cost(project, s, side) for s in (a, b)}
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    plan = ImagePlan(project, registry, candidate, picks, a, b, quote, paid, costs, f"{stamp}-image-{candidate.slug()}")
    if paid:
        shared_budget(project.folder, project.manifest.budget).check(quote)
    return plan


def _sum_quotes(side: ImageSide, requests) -> Decimal:
    if not side.hosted:
        return money(0)
    return money(sum((side.engine.quote(r).money for r in requests), Decimal(0)))


def _project_cost(project: "Project", side: ImageSide, size: int | None) -> Decimal:
    """What one image for every scene with a prompt should cost with this side's engine ($0 locally)."""
    if not side.hosted:
        return money(0)
    requests = [imaging.scene_request(side.engine, prompt, project.manifest.format, 0, size)
                for _n, _s, prompt in scene_prompts(project)]
    return _sum_quotes(side, requests)


# -- measuring --------------------------------------------------------------------------


class PeakMemory:
    """Resident memory sampled on a thread while a render runs: `extra_mb` is the peak over the
    memory held before; on CUDA `gpu_mb` is the GPU's peak allocation."""

    def __init__(self, interval: float = 0.003):
        import psutil

        self._process = psutil.Process(os.getpid())
        self._interval = interval
        self._stop = threading.Event()
        self.before = self.peak = 0
        self.gpu_mb: float | None = None
        self._cuda = None

    def _rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> "PeakMemory":
        import sys

        torch = sys.modules.get("torch")  # only when an engine loaded it: measuring imports nothing heavy
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            self._cuda = torch.cuda
            self._cuda.reset_peak_memory_stats()
        self.before = self.peak = self._rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        if self._cuda is not None:
            self.gpu_mb = round(self._cuda.max_memory_allocated() / 2**20, 1)

    @property
    def extra_mb(self) -> float:
        return round((self.peak - self.before) / 2**20, 1)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


def render_image_side(plan: ImagePlan, side: ImageSide, pick: ScenePick, own: Path, state: TaskState) -> dict:
    """Worker side: one scene's picture with one side's engine, through the image pipeline,
    moved to `<id>/<A|B>-<scene>.png`; its figures."""
    from PIL import Image

    from studio.project.images import ImageTakeStore

    request = side.requests[pick.scene_id]
    store = ImageTakeStore(own)  # the comparison's own, empty: no cache hit from the project's images
    with PeakMemory() as memory:
        started = time.perf_counter()
        if side.hosted:
            project = plan.project
            result = imaging.render_paid_image(project_ledger(project.folder),
                                               shared_budget(project.folder, project.manifest.budget),
                                               own, pick.scene_id, request, side.engine, state, TIER)
        else:
            result = imaging.render_scene_image(own, store, pick.scene_id, request, side.engine, state)
        seconds = time.perf_counter() - started
    check_cancelled(state)
    name = f"{side.role.upper()}-{pick.scene_id}.png"
    os.replace(own / result.take.path, own / name)
    with Image.open(own / name) as picture:
        width, height = picture.size
    price = side.engine.quote(request).money if side.hosted else money(0)
    return {
        "image": f"{plan.id}/{name}",
        "seconds": round(seconds, 3),
        "peak_memory_mb": memory.extra_mb,
        "process_memory_mb": memory.peak_mb,
        "gpu_memory_mb": memory.gpu_mb,
        "width": width,
        "height": height,
        "steps": request.steps,
        "seed": request.seed,
        "model": request.model,
        "price": str(money(price)),
    }


# -- running ----------------------------------------------------------------------------


def run_image_comparison(plan: ImagePlan, state: TaskState) -> Comparison:
    """Worker side: render, measure, draw the contact sheet and save; the project is not touched.
    Cancelled half-way: the scenes finished are kept (status "cancelled"); none: nothing stays.
    A failing engine removes everything this comparison wrote and raises its sentence."""
    project = plan.project
    folder = comparisons_dir(project.folder)
    own = folder / plan.id
    order = random.Random(plan.id)
    total = len(plan.picks)
    data = {
        "schema": SCHEMA, "id": plan.id, "task": "image",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "status": "running",
        "project": project.manifest.title or project.folder.name,
        "a": {"role": "current route", **plan.a.describe()},
        "b": {"role": "candidate", **plan.b.describe()},
        "memory_method": MEMORY_METHOD,
        "candidate_settings": dict(plan.candidate.settings),
        "lines": [],
    }
    finished: list[dict] = []
    try:
        own.mkdir(parents=True, exist_ok=True)
        # Weights load before the clock starts: each picture's seconds and memory are its own work.
        state.set_progress(0.0, "Loading the engines…")
        for side in (plan.a, plan.b):
            if not side.hosted and hasattr(side.engine, "load"):
                side.engine.load(state)
        for index, pick in enumerate(plan.picks):
            check_cancelled(state)
            entry = {"line": pick.scene_id, "scene": pick.scene_id, "number": pick.number, "title": pick.title,
                     "text": pick.prompt, "prompt": pick.prompt, "reasons": list(pick.reasons),
                     "blind": {"x": order.choice("ab")}, "pick": None, "picked_blind": False}
            for k, side in enumerate((plan.a, plan.b)):
                state.set_progress((index * 2 + k) / total / 2,
                                   f"Scene {pick.number} ({index + 1} of {total}): "
                                   f"{'current route' if side is plan.a else 'candidate'}")
                with candidate_failure(plan, side, f"scene {pick.number}"):
                    entry[side.role] = render_image_side(plan, side, pick, own, state)
            entry["price"] = {role: entry[role]["price"] for role in "ab"}
            finished.append(entry)
            data["lines"] = finished
    except Cancelled:
        remove_unfinished(own, finished, "image")
        if not finished:
            remove_folder(own)
            raise
        data["status"] = "cancelled"
        return _finish(plan, data, folder)
    except BaseException:
        remove_folder(own)
        raise
    shutil.rmtree(own / "renders", ignore_errors=True)  # the pipeline's own folder, emptied by the moves
    data["status"] = "done"
    state.set_progress(1.0, "Compared")
    try:
        return _finish(plan, data, folder)
    except BaseException:
        remove_folder(own)
        raise


def _finish(plan: ImagePlan, data: dict, folder: Path) -> Comparison:
    shutil.rmtree(folder / plan.id / "renders", ignore_errors=True)
    sheet = contact_sheet(folder, data)
    data["contact_sheet"] = f"{plan.id}/{SHEET}"
    atomic_write_bytes(folder / data["contact_sheet"], sheet)
    data["totals"] = {role: image_totals([e[role] for e in data["lines"]]) for role in "ab"}
    data["price"] = image_price(plan, data)
    data["verdict"] = verdict(data)
    data.setdefault("switches", [])
    comparison = Comparison(data, folder)
    comparison.save()
    return comparison


def image_totals(figures: list[dict]) -> dict:
    if not figures:
        return {}
    sizes = {(f["width"], f["height"]) for f in figures}
    seconds = sum(f["seconds"] for f in figures)
    gpu = [f["gpu_memory_mb"] for f in figures if f.get("gpu_memory_mb") is not None]
    return {
        "images": len(figures),
        "total_seconds": round(seconds, 3),
        "seconds": round(seconds / len(figures), 3),  # per image
        "peak_memory_mb": max(f["peak_memory_mb"] for f in figures),
        "process_memory_mb": max(f["process_memory_mb"] for f in figures),
        "gpu_memory_mb": max(gpu) if gpu else None,
        "width": figures[0]["width"] if len(sizes) == 1 else None,
        "height": figures[0]["height"] if len(sizes) == 1 else None,
    }


def image_price(plan: ImagePlan, data: dict) -> dict:
    out = {}
    for role, side in (("a", plan.a), ("b", plan.b)):
        spent = sum((Decimal(e["price"][role]) for e in data["lines"]), Decimal(0))
        count = len(data["lines"])
        out[role] = {"sample": str(money(spent)), "per_image": str(money(spent / count)) if count else "0.000000",
                     "project": str(plan.project_cost[role]), "local": not side.hosted}
    return out


# -- the contact sheet ------------------------------------------------------------------


def tile_boxes(count: int, width: int, height: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where each scene's A and B pictures sit on the sheet: ((ax, ay), (bx, by)) per row, top left corners."""
    out = []
    for row in range(count):
        y = HEADER + row * (height + CAPTION + PAD)
        out.append(((PAD, y), (PAD * 2 + width, y)))
    return out


def sheet_size(count: int, width: int, height: int) -> tuple[int, int]:
    return PAD * 3 + width * 2, HEADER + count * (height + CAPTION + PAD)


def contact_sheet(folder: Path, data: dict) -> bytes:
    """A | B for each scene, one row each, captioned with the scene's number and name: PNG bytes.
    Tiles are the largest picture's size; a smaller one sits in its tile's top-left corner, unscaled."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    pictures = []
    for entry in data["lines"]:
        row = []
        for side in "ab":
            with Image.open(folder / entry[side]["image"]) as picture:
                row.append(picture.convert("RGB"))
        pictures.append(row)
    width = max([p.width for row in pictures for p in row] + [64])
    height = max([p.height for row in pictures for p in row] + [1])
    sheet = Image.new("RGB", sheet_size(len(pictures), width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    draw.text((PAD, 6), f"A: {data['a']['label']}"[:max(8, width // 6)], fill=(30, 30, 30), font=font)
    draw.text((PAD * 2 + width, 6), f"B: {data['b']['label']}"[:max(8, width // 6)], fill=(30, 30, 30), font=font)
    for entry, row, boxes in zip(data["lines"], pictures, tile_boxes(len(pictures), width, height)):
        for picture, (x, y) in zip(row, boxes):
            sheet.paste(picture, (x, y))
        caption = f"Scene {entry['number']}: {entry.get('title') or entry['prompt']}"
        draw.text((PAD, boxes[0][1] + height + 4), caption[: max(12, (width * 2 + PAD) // 6)], fill=(30, 30, 30), font=font)
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return out.getvalue()

