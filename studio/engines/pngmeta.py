"""PNG files that carry the settings they were made with.

The settings go into an iTXt chunk named "stitch" as JSON, so a take can be
recreated from the file alone. A "parameters" text chunk in the common
prompt / "Steps: ..., Seed: ..." form is written beside it, so other image tools
show the prompt and seed too. The file is encoded in memory and written atomically:
a failed or cancelled render leaves no file behind.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from studio.errors import StorageError
from studio.storage import atomic_write_bytes

CHUNK = "stitch"


def png_bytes(image, settings: dict) -> bytes:
    """Encode an RGB(A) uint8 array (or a PIL image) as PNG with `settings` embedded."""
    from PIL import Image, PngImagePlugin

    picture = image if isinstance(image, Image.Image) else Image.fromarray(_checked(image))
    info = PngImagePlugin.PngInfo()
    info.add_itxt(CHUNK, json.dumps(settings, sort_keys=True, ensure_ascii=False), zip=True)
    parameters = _parameters_text(settings)
    if parameters:
        info.add_itxt("parameters", parameters)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", pnginfo=info, compress_level=4)
    return buffer.getvalue()


def save_png(path: Path | str, image, settings: dict) -> Path:
    path = Path(path)
    atomic_write_bytes(path, png_bytes(image, settings))
    return path


def read_settings(path: Path | str) -> dict:
    """The settings embedded by `save_png`; {} for a PNG that has none (one the creator made)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as picture:
            if picture.format != "PNG":
                return {}
            picture.load()  # text chunks after the image data are read only now
            text = dict(getattr(picture, "text", {}) or {})
    except FileNotFoundError as exc:
        raise StorageError(f"{path.name} is not there any more: it may have been moved or deleted.") from exc
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise StorageError(
            f"{path.name} is damaged or is not a picture: open it in an image editor and save it again.",
            detail=repr(exc),
        ) from exc
    raw = text.get(CHUNK)
    if raw is None:
        return {}
    try:
        settings = json.loads(raw)
    except ValueError as exc:
        raise StorageError(f"The settings stored in {path.name} are damaged; the picture itself is fine.") from exc
    return settings if isinstance(settings, dict) else {}


def _checked(image) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"save_png wants an H×W×3 or ×4 uint8 array, not {array.dtype} {array.shape}")
    return np.ascontiguousarray(array)


def _parameters_text(settings: dict) -> str:
    if "prompt" not in settings:
        return ""
    fields = [
        ("Steps", settings.get("steps")),
        ("Sampler", settings.get("scheduler")),
        ("CFG scale", settings.get("guidance")),
        ("Seed", settings.get("seed")),
        ("Size", f"{settings['width']}x{settings['height']}" if "width" in settings and "height" in settings else None),
        ("Model", settings.get("model")),
        ("Denoising strength", settings.get("strength") if settings.get("source_digest") else None),
    ]
    lines = [str(settings["prompt"])]
    if settings.get("negative_prompt"):
        lines.append(f"Negative prompt: {settings['negative_prompt']}")
    lines.append(", ".join(f"{k}: {v}" for k, v in fields if v is not None))
    return "\n".join(lines)
