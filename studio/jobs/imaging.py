"""Scene images: prompt → ImageRequest → cache → engine → PNG with its settings → ImageTake.

Worker side: `generate`, `render_scene_image`, `vary` and `cleanup` touch no project
state (they read the thread-safe `ImageTakeStore` for cache hits and write one file
atomically); the caller records the take with `commit` on its own thread. A cancel
raises `Cancelled` from inside the engine's step loop, before any file is written.
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
from studio.errors import EngineError, StorageError
from studio.jobs.ledger import project_ledger, record_image_draft
from studio.project.images import IMAGE_RENDERS, ImageTake, ImageTakeStore, new_image_take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_IMAGE_ENGINE = "diffusers"
CLEANUPS = {"remove_background": "Remove background", "fit_to_format": "Fit to format", "auto_contrast": "Auto contrast"}


@dataclass
class ImageRender:
    """What one image job produced (or found in the cache)."""

    scene_id: str
    take: ImageTake
    cached: bool
    seconds: float  # wall time of this call (≈0 for a cache hit)
    info: dict = field(default_factory=dict)


def image_engine(project: "Project", registry: "EngineRegistry") -> ImageEngine:
    """The draft image engine the project routes to, made with its `[engines.<id>]` settings."""
    engine_id = project.manifest.route("image")[0] or DEFAULT_IMAGE_ENGINE
    return registry.configured(engine_id, project.manifest.engine_settings(engine_id))


def image_size(fmt: str, side: int) -> tuple[int, int]:
    """(width, height) in the project's format with about side² pixels, multiples of 64."""
    a, b = (int(v) for v in fmt.split(":"))
    width = max(64, round(side * math.sqrt(a / b) / 64) * 64)
    height = max(64, round(side * math.sqrt(b / a) / 64) * 64)
    return width, height


def scene_request(engine: ImageEngine, prompt: str, fmt: str, seed: int | None = None,
                  side: int | None = None) -> ImageRequest:
    """A draft request for a scene: the engine's recipe, sized to the project's format."""
    if not prompt.strip():
        raise EngineError("This scene has no image prompt: describe it in a few words in the Images panel.")
    side = side or _model_side(engine)
    width, height = image_size(fmt, side)
    request = engine.request(prompt, seed=seed, width=width, height=height)
    request.check()
    return request


def generate(folder: Path, store: ImageTakeStore, scene_id: str, prompt: str, fmt: str,
             engine: ImageEngine, state: TaskState, seed: int | None = None, side: int | None = None) -> ImageRender:
    """Worker side: a new image for the scene (a given seed repeats an earlier one's look)."""
    request = scene_request(engine, prompt, fmt, seed, side)
    return render_scene_image(folder, store, scene_id, request, engine, state)


def render_scene_image(folder: Path, store: ImageTakeStore, scene_id: str, request: ImageRequest,
                       engine: ImageEngine, state: TaskState, source_pixels=None,
                       source_take: str = "") -> ImageRender:
    """Worker side: reuse an image made from the same request, or render a new one."""
    from studio.engines.pngmeta import save_png

    folder = Path(folder)
    key = request.cache_key()
    existing = store.find_by_key(key)
    if existing is not None:
        take = existing if existing.scene_id == scene_id else _record(scene_id, request, existing.path, 0.0, source_take)
        return ImageRender(scene_id, take, cached=True, seconds=0.0)
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
         engine: ImageEngine, state: TaskState, seed: int | None = None) -> ImageRender:
    """Worker side: image-to-image from a take (a render or one of the creator's pictures)."""
    pixels = load_pixels(Path(folder) / source.path)
    width, height = _even_size(pixels.shape[1], pixels.shape[0], _model_side(engine))
    request = engine.request(prompt or source.prompt, seed=seed, width=width, height=height,
                             source=pixels, source_name=source.id, strength=float(strength))
    request.check()
    return render_scene_image(folder, store, scene_id, request, engine, state, pixels, source.id)


def cleanup(folder: Path, store: ImageTakeStore, scene_id: str, source: ImageTake, operation: str,
            state: TaskState, fmt: str = "16:9", focus=(0.5, 0.5), rect=None) -> ImageRender:
    """Worker side: background removal, fit to the project's format or auto contrast, as a new take."""
    from studio.engines import cleanup as opencv
    from studio.engines.images import image_digest
    from studio.engines.pngmeta import save_png

    if operation not in CLEANUPS:
        raise EngineError(f"There is no cleanup called '{operation}': use {', '.join(CLEANUPS)}.")
    folder = Path(folder)
    pixels = load_pixels(folder / source.path, keep_alpha=True)
    request = {"task": "cleanup", "operation": operation, "source": source.id, "source_digest": image_digest(pixels),
               "prompt": source.prompt}
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
    if operation == "remove_background":
        result, _mask = opencv.remove_background(pixels, rect)
    elif operation == "fit_to_format":
        result = opencv.fit_to_format(pixels, fmt, focus)
    else:
        result = opencv.auto_contrast(pixels)
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
