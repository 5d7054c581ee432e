"""Scene images: prompt → ImageRequest → cache → engine → PNG with its settings → ImageTake.

Worker side: `generate`, `render_scene_image`, `vary` and `cleanup` touch no project
state (they read the thread-safe `ImageTakeStore` for cache hits and write one file
atomically); the caller records the take with `commit` on its own thread. A cancel
raises `Cancelled` from inside the engine's step loop, before any file is written.

A hosted draft engine spends money like a final one: its render goes through
`ledger.render_paid` (the `draft_budget` checked and the estimate held before any
traffic; what the provider charged recorded, tier "draft"). Cleanup goes to the
engine `[routing.cleanup]` names (`cleanup_engine`; OpenCV's unless another is routed).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studio.engines.base import TaskState, check_cancelled
from studio.engines.images import ImageEngine, ImageRequest
from studio.money.prices import money
from studio.errors import Cancelled, EngineError, StorageError
from studio.money.ledger import Budget, Ledger, project_ledger, record_image_draft, render_paid, shared_budget
from studio.jobs.premium import is_hosted
from studio.project.images import IMAGE_RENDERS, ImageTake, ImageTakeStore, new_image_take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_IMAGE_ENGINE = "diffusers"
DEFAULT_CLEANUP_ENGINE = "opencv"
CLEANUPS = {"remove_background": "Remove background", "fit_to_format": "Fit to format", "auto_contrast": "Auto contrast"}


@dataclass
class ImageRender:
    """What one image job produced (or found in the cache)."""

    scene_id: str
    take: ImageTake
    cached: bool
    seconds: float  # wall time of this call (≈0 for a cache hit)
    info: dict = field(default_factory=dict)
    recorded: bool = False  # in the ledger already (a paid render records itself as it happens)


def image_engine(project: "Project", registry: "EngineRegistry") -> ImageEngine:
    """The draft image engine the project routes to, made with its `[engines.<id>]` settings."""
    engine_id = project.manifest.route("image")[0] or DEFAULT_IMAGE_ENGINE
    return registry.configured(engine_id, project.manifest.engine_settings(engine_id))


def draft_budget(project: "Project") -> Budget:
    """The budget a hosted draft image engine spends from: the project's cap over its ledger
    (one per folder, so two paid jobs in flight both count against it)."""
    return shared_budget(project.folder, project.manifest.budget)


def cleanup_engine(project: "Project", registry: "EngineRegistry"):
    """The cleanup engine `[routing.cleanup]` names (OpenCV's when none), with its `[engines.<id>]` settings."""
    engine_id = project.manifest.route("cleanup")[0] or DEFAULT_CLEANUP_ENGINE
    engine = None
    if engine_id in registry.all_ids():
        engine = registry.configured(engine_id, project.manifest.engine_settings(engine_id))
    if getattr(engine, "task", "") != "cleanup":
        installed = registry.ids("cleanup")
        raise EngineError(
            f"stitch.toml routes picture cleanup to '{engine_id}', which is not an installed cleanup engine: "
            f"set draft under [routing.cleanup] to one of {', '.join(installed) or 'none'}."
        )
    return engine


def engine_size(engine, fmt: str) -> tuple[int | None, int | None]:
    """The engine's own size (a hosted service takes only a few), turned to the format's orientation."""
    width, height = getattr(engine, "width", None), getattr(engine, "height", None)
    if not width or not height:
        return None, None
    a, b = (int(v) for v in fmt.split(":"))
    if width != height and (a > b) != (width > height):
        width, height = height, width
    return int(width), int(height)


def image_size(fmt: str, side: int) -> tuple[int, int]:
    """(width, height) in the project's format with about side² pixels, multiples of 64."""
    a, b = (int(v) for v in fmt.split(":"))
    width = max(64, round(side * math.sqrt(a / b) / 64) * 64)
    height = max(64, round(side * math.sqrt(b / a) / 64) * 64)
    return width, height


def scene_request(engine: ImageEngine, prompt: str, fmt: str, seed: int | None = None,
                  side: int | None = None, negative_prompt: str = "") -> ImageRequest:
    """A draft request for a scene: the engine's recipe, sized to the project's format, with
    the scene's negative prompt (`Project.scene_negative_prompt`) when it has one."""
    if not prompt.strip():
        raise EngineError("This scene has no image prompt: describe it in a few words in the Images panel.")
    width, height = engine_size(engine, fmt)
    if width is None or side:
        width, height = image_size(fmt, side or _model_side(engine))
    request = engine.request(prompt, seed=seed, width=width, height=height, negative_prompt=negative_prompt)
    request.check()
    return request


def generate(folder: Path, store: ImageTakeStore, scene_id: str, prompt: str, fmt: str,
             engine: ImageEngine, state: TaskState, seed: int | None = None, side: int | None = None,
             budget: Budget | None = None, negative_prompt: str = "") -> ImageRender:
    """Worker side: a new image for the scene (a given seed repeats an earlier one's look);
    a hosted engine only within `budget` (`draft_budget(project)`)."""
    request = scene_request(engine, prompt, fmt, seed, side, negative_prompt)
    return render_scene_image(folder, store, scene_id, request, engine, state, budget=budget)


def render_scene_image(folder: Path, store: ImageTakeStore, scene_id: str, request: ImageRequest,
                       engine: ImageEngine, state: TaskState, source_pixels=None,
                       source_take: str = "", budget: Budget | None = None) -> ImageRender:
    """Worker side: reuse an image made from the same request, or render a new one. A hosted
    engine's render is paid through `budget` (refused before any traffic when it does not fit)
    and is in the ledger when this returns (`recorded`); `commit` records the others."""
    folder = Path(folder)
    existing = store.find_by_key(request.cache_key())
    if existing is not None:
        take = existing if existing.scene_id == scene_id else _record(scene_id, request, existing.path, 0.0, source_take)
        return ImageRender(scene_id, take, cached=True, seconds=0.0)
    if not is_hosted(engine):
        return _render(folder, scene_id, request, engine, state, source_pixels, source_take)
    if budget is None:
        raise EngineError(
            f"{getattr(engine, 'label', engine.id)} is a hosted service: render its images within a project, "
            "whose budget it spends from."
        )
    return render_paid_image(budget.ledger, budget, folder, scene_id, request, engine, state, "draft",
                             source_pixels, source_take)


def render_paid_image(ledger: Ledger, budget: Budget, folder: Path, scene_id: str, request: ImageRequest, engine,
                      state: TaskState, tier: str, source_pixels=None, source_take: str = "") -> ImageRender:
    """Worker side: one picture from a hosted engine, inside the budget, recorded in `ledger` with
    what the provider charged (even for a call cancelled after its reply arrived)."""
    quote = engine.quote(request)
    watched = _Watched(engine)

    def work() -> ImageRender:
        try:
            return _render(Path(folder), scene_id, request, watched, state, source_pixels, source_take)
        except Cancelled as exc:
            if watched.picture is not None and not hasattr(exc, "charged"):
                exc.charged = money(watched.picture.info.get("charged", quote.money))
            raise

    result = render_paid(ledger, budget, engine, request, work, tier=tier, ref=scene_id, quote=quote)
    result.recorded = True
    return result


class _Watched:
    """The engine, remembering the picture it returned: a cancel after the reply must not hide a charge."""

    def __init__(self, engine):
        self.engine = engine
        self.picture = None

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def text_to_image(self, request, state):
        self.picture = self.engine.text_to_image(request, state)
        return self.picture

    def image_to_image(self, request, image, state):
        self.picture = self.engine.image_to_image(request, image, state)
        return self.picture


def _render(folder: Path, scene_id: str, request: ImageRequest, engine, state: TaskState, source_pixels,
            source_take: str) -> ImageRender:
    from studio.engines.pngmeta import save_png

    key = request.cache_key()
    check_cancelled(state)
    started = time.perf_counter()
    if request.is_variation:
        picture = engine.image_to_image(request, source_pixels, state)
    else:
        picture = engine.text_to_image(request, state)
    check_cancelled(state)
    relative = f"{IMAGE_RENDERS}/{key[:20]}.png"
    save_png(folder / relative, picture.image, {**request.to_dict(), "cache_key": key, **_plain(picture.info)})
    seconds = time.perf_counter() - started
    take = _record(scene_id, request, relative, seconds, source_take)
    return ImageRender(scene_id, take, cached=False, seconds=seconds, info=dict(picture.info))


def vary(folder: Path, store: ImageTakeStore, scene_id: str, source: ImageTake, prompt: str, strength: float,
         engine: ImageEngine, state: TaskState, seed: int | None = None, budget: Budget | None = None,
         negative_prompt: str = "") -> ImageRender:
    """Worker side: image-to-image from a take (a render or one of the creator's pictures)."""
    pixels = load_pixels(Path(folder) / source.path)
    width, height = engine_size(engine, f"{pixels.shape[1]}:{pixels.shape[0]}")
    if width is None:
        width, height = _even_size(pixels.shape[1], pixels.shape[0], _model_side(engine))
    request = engine.request(prompt or source.prompt, seed=seed, width=width, height=height,
                             source=pixels, source_name=source.id, strength=float(strength),
                             negative_prompt=negative_prompt)
    request.check()
    return render_scene_image(folder, store, scene_id, request, engine, state, pixels, source.id, budget=budget)


def cleanup(folder: Path, store: ImageTakeStore, scene_id: str, source: ImageTake, operation: str,
            state: TaskState, fmt: str = "16:9", focus=(0.5, 0.5), rect=None, engine=None) -> ImageRender:
    """Worker side: background removal, fit to the project's format or auto contrast, as a new take,
    by the routed cleanup `engine` (`cleanup_engine(project, registry)`; OpenCV's when none is given)."""
    from studio.engines.images import image_digest
    from studio.engines.pngmeta import save_png

    if engine is None:
        from studio.engines.cleanup import OpenCVCleanup

        engine = OpenCVCleanup()
    if operation not in CLEANUPS:
        raise EngineError(f"There is no cleanup called '{operation}': use {', '.join(CLEANUPS)}.")
    if operation not in engine.operations:
        done = ", ".join(CLEANUPS[op] for op in engine.operations if op in CLEANUPS) or "nothing"
        raise EngineError(f"{getattr(engine, 'label', engine.id)} cannot {CLEANUPS[operation].lower()} "
                          f"(it does {done.lower()}): route cleanup to another engine in the project's settings.")
    folder = Path(folder)
    pixels = load_pixels(folder / source.path, keep_alpha=True)
    request = {"task": "cleanup", "engine": engine.id, "operation": operation, "source": source.id,
               "source_digest": image_digest(pixels), "prompt": source.prompt}
    if operation == "fit_to_format":
        request.update(format=fmt, focus=[round(float(v), 4) for v in focus])
    if operation == "remove_background" and rect is not None:
        request["rect"] = [int(v) for v in rect]
    key = hashlib.sha256(json.dumps({k: v for k, v in request.items() if k != "source"}, sort_keys=True).encode()).hexdigest()
    existing = store.find_by_key(key)
    if existing is not None and existing.scene_id == scene_id:
        return ImageRender(scene_id, existing, cached=True, seconds=0.0)
    state.set_progress(0.1, CLEANUPS[operation])
    started = time.perf_counter()
    result = engine.clean(pixels, operation, state, fmt=fmt, focus=focus, rect=rect)
    check_cancelled(state)
    relative = f"{IMAGE_RENDERS}/{key[:20]}.png"
    save_png(folder / relative, result, {**request, "cache_key": key})
    seconds = time.perf_counter() - started
    take = new_image_take(scene_id, relative, request=request, seed=source.seed, source=source.id,
                          seconds=round(seconds, 3), kind="cleanup", cache_key=key)
    state.set_progress(1.0, "Cleanup done")
    return ImageRender(scene_id, take, cached=False, seconds=seconds)


def commit(project: "Project", result: ImageRender, choose: bool = False) -> ImageTake:
    """Caller side: record the take in the project (at once; choosing it is undoable)."""
    project.add_image_take(result.take, choose=choose)
    if not result.recorded:  # a paid render is in the ledger already, with its charge
        record_image_draft(project_ledger(project.folder), result)  # what the drafts saved, in the Cost panel
    return result.take


def load_pixels(path: Path, keep_alpha: bool = False):
    """An RGB (or RGBA) uint8 array from a picture file; a sentence when it cannot be read."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            mode = "RGBA" if keep_alpha and picture.mode in ("RGBA", "LA", "PA") else "RGB"
            return np.asarray(picture.convert(mode))
    except FileNotFoundError as exc:
        raise StorageError(f"{path.name} is not there any more: it may have been moved or deleted.") from exc
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise StorageError(f"{path.name} could not be read as a picture: save it again as PNG or JPEG.",
                           detail=repr(exc)) from exc


def _model_side(engine) -> int:
    recipe = getattr(engine, "recipe", None)
    return int(recipe().width) if recipe is not None else 512


def _even_size(width: int, height: int, side: int) -> tuple[int, int]:
    """The source's shape, no larger than about the model's side, in multiples of 64."""
    scale = min(1.0, side / math.sqrt(width * height))
    return (max(64, round(width * scale / 64) * 64), max(64, round(height * scale / 64) * 64))


def _record(scene_id: str, request: ImageRequest, path: str, seconds: float, source: str) -> ImageTake:
    return new_image_take(
        scene_id, path, request=request.to_dict(), seed=request.seed, source=source or request.source,
        seconds=round(seconds, 3), kind="variation" if request.is_variation else "render", cache_key=request.cache_key(),
    )


def _plain(info: dict) -> dict:
    return {k: v for k, v in info.items() if isinstance(v, (str, int, float, bool, list))}
