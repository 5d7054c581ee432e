"""Images: the request value, the picture an engine returns, and the ImageEngine protocol.

An `ImageRequest` holds everything that decides an image's pixels (model and
revision, prompt, seed, size, steps, guidance, scheduler, and for a variation the
source image's digest and the strength). Its `cache_key()` is the hash of that
value, as `RenderRequest.cache_key()` is for speech. The device an image was made
on is recorded with the picture, not in the key: the same seed on another machine
gives a near-identical image, and a creator's chosen take must not turn stale
because the project moved to a laptop.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from studio.engines.base import Cost, ModelRef, TaskState
from studio.errors import EngineError
from studio.storage import read_json

CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "image_models.json"
IMAGE_KEY_VERSION = 1
MAX_SEED = 2**32 - 1  # what other image tools accept, so a seed can be copied across
MIN_SIDE, MAX_SIDE = 64, 2048

# Not part of the cache key: where a variation's source came from does not change
# its pixels (its digest does).
_NOT_IN_KEY = ("source",)


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


@lru_cache(maxsize=2)
def catalogue(path: Path = CATALOGUE) -> tuple[dict, ...]:
    """The recommended image models (`resources/image_models.json`), as data."""
    data = read_json(path, default=None)
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise EngineError(f"The image model catalogue {path.name} is missing or damaged: reinstall Stitch Studio.")
    return tuple(data["models"])


@dataclass(frozen=True)
class Recipe:
    """Draft settings that suit a model family: few steps, the scheduler it was distilled for."""

    kind: str  # "turbo", "lcm" or "sd"
    scheduler: str
    steps: int
    guidance: float
    width: int = 512
    height: int = 512


@dataclass(frozen=True)
class ImageRequest:
    """Everything that decides what an image looks like."""

    engine: str
    model: str
    model_revision: str
    prompt: str
    seed: int
    width: int
    height: int
    steps: int
    guidance: float
    scheduler: str = "default"
    negative_prompt: str = ""
    strength: float = 1.0  # image-to-image: how far the result may move from the source
    source_digest: str = ""  # image-to-image: `image_digest` of the source pixels
    source: str = ""  # image-to-image: where the source came from (a take id or a path)
    task: str = "image"
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def is_variation(self) -> bool:
        return bool(self.source_digest)

    @property
    def steps_to_run(self) -> int:
        """Denoising steps actually run: a variation skips the first (1 - strength) of them."""
        if not self.is_variation:
            return self.steps
        return min(int(self.steps * self.strength), self.steps)

    def with_seed(self, seed: int) -> "ImageRequest":
        return replace(self, seed=int(seed))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["extra"] = [list(pair) for pair in self.extra]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ImageRequest":
        d = dict(d)
        d["extra"] = tuple(tuple(pair) for pair in d.get("extra", ()))
        return cls(**d)

    def cache_key(self) -> str:
        payload = {k: v for k, v in self.to_dict().items() if k not in _NOT_IN_KEY}
        payload.update(
            v=IMAGE_KEY_VERSION,
            guidance=round(float(self.guidance), 4),
            strength=round(float(self.strength), 4),
        )
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def check(self) -> None:
        """Raise EngineError, with a sentence to act on, when this request cannot be rendered."""
        if not self.prompt.strip() and not self.is_variation:
            raise EngineError("The image prompt is empty: describe the scene in a few words first.")
        for name, side in (("width", self.width), ("height", self.height)):
            if not MIN_SIDE <= side <= MAX_SIDE or side % 8:
                raise EngineError(
                    f"An image {name} of {side} pixels cannot be rendered: use a multiple of 8 "
                    f"between {MIN_SIDE} and {MAX_SIDE}, such as 512."
                )
        if not 1 <= self.steps <= 200:
            raise EngineError(f"{self.steps} steps cannot be rendered: use between 1 and 200 steps.")
        if not 0 <= self.seed <= MAX_SEED:
            raise EngineError(f"The seed {self.seed} is out of range: use a whole number from 0 to {MAX_SEED}.")
        if self.is_variation:
            if not 0.0 < self.strength <= 1.0:
                raise EngineError(
                    f"A variation strength of {self.strength:g} cannot be used: pick one above 0 and at most 1."
                )
            if self.steps_to_run < 1:
                raise EngineError(
                    f"A strength of {self.strength:.2f} with {self.steps} steps leaves no step to run: "
                    f"raise the strength or use at least {math.ceil(1 / self.strength)} steps."
                )


def steps_for_strength(steps: int, strength: float) -> int:
    """The fewest steps (at least `steps`) that leave a variation one step to run."""
    return max(int(steps), math.ceil(1.0 / max(float(strength), 1e-3) - 1e-9))


def as_rgb(image) -> np.ndarray:
    """An H×W×3 uint8 RGB array from an array or a PIL image (alpha composited on white)."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise EngineError("This image is not 8-bit: save it as an ordinary PNG or JPEG and try again.")
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or 0 in array.shape[:2]:
        raise EngineError("This file is not an RGB picture the studio can use: save it as PNG or JPEG.")
    if array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.float32) / 255.0
        rgb = array[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def image_digest(image) -> str:
    """sha256 of the pixels (and their shape): the identity of a variation's source."""
    rgb = as_rgb(image)
    digest = hashlib.sha256(f"{rgb.shape[0]}x{rgb.shape[1]}x3:".encode("ascii"))
    digest.update(rgb.tobytes())
    return digest.hexdigest()


@dataclass
class Picture:
    """An H×W×3 (or ×4) uint8 RGB(A) image and what the engine wants recorded about it."""

    image: np.ndarray
    info: dict = field(default_factory=dict)  # e.g. {"device": "cuda", "dtype": "float16", "seconds": 0.4}

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@runtime_checkable
class ImageEngine(Protocol):
    """Text to image and image to image. Implementations import their heavy libraries lazily."""

    id: str
    task: str  # "image"
    local: bool
    label: str

    def model(self) -> ModelRef:
        """The weights this engine will use; raises MissingWeights if absent."""

    def request(
        self,
        prompt: str,
        *,
        seed: int | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        negative_prompt: str = "",
        source=None,
        source_name: str = "",
        strength: float = 0.6,
    ) -> ImageRequest:
        """A request with this engine's draft defaults for whatever was not given."""

    def estimate(self, request: ImageRequest) -> Cost: ...

    def text_to_image(self, request: ImageRequest, state: TaskState) -> Picture:
        """Render; report progress per step; raise Cancelled between steps when asked."""

    def image_to_image(self, request: ImageRequest, image, state: TaskState) -> Picture:
        """A variation of `image` (whose digest the request carries)."""

    def unload(self) -> None: ...
