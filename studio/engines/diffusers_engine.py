"""The local image engine: any diffusers pipeline folder (SD-Turbo, SDXL-Turbo, an LCM model...).

torch and diffusers are imported on the first render. The text-to-image pipeline is
loaded once and the image-to-image one shares its weights (`from_pipe`). Progress
and cancellation go through `callback_on_step_end`: a cancel raises from inside the
step loop, so nothing after it runs (no VAE decode, no picture, no file).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.models import pool
from studio.engines.base import Cost, ModelRef, NullState, TaskState, check_cancelled
from studio.engines.images import (
    ImageRequest, Picture, Recipe, as_rgb, catalogue, image_digest, new_seed, steps_for_strength,
)
from studio.errors import Cancelled, EngineError, MissingWeights

SCHEDULERS = {"lcm": "LCMScheduler", "euler_a": "EulerAncestralDiscreteScheduler",
              "euler": "EulerDiscreteScheduler", "dpm++": "DPMSolverMultistepScheduler"}
_COMPONENTS = ("unet", "transformer", "vae", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "scheduler")
# Seconds per step for a 512×512 image on an SD-1.5-sized UNet, until a run is measured.
_STEP_SECONDS = {"cuda": 0.05, "mps": 0.5, "cpu": 6.0}
_SD15_UNET_BYTES = 3.44e9


def recipe_for(model_id: str, folder: Path) -> Recipe:
    """The catalogue's draft settings for a known model; otherwise read from its configs."""
    for entry in catalogue():
        if entry["id"] == model_id and "draft" in entry:
            return Recipe(**entry["draft"])
    index = _json(folder / "model_index.json")
    side = 1024 if "XL" in str(index.get("_class_name", "")) else 512
    scheduler = _json(folder / "scheduler" / "scheduler_config.json").get("_class_name", "")
    guidance_embedded = _json(folder / "unet" / "config.json").get("time_cond_proj_dim")
    name = f"{model_id} {folder.name}".lower()
    if scheduler == "LCMScheduler" or guidance_embedded or "lcm" in name:
        # An LCM-distilled UNet takes guidance as an input (8 is its usual w); an LCM-LoRA fused
        # into an ordinary model wants guidance off.
        return Recipe("lcm", "lcm", 4, 8.0 if guidance_embedded else 1.0, side, side)
    if "turbo" in name:
        return Recipe("turbo", "euler_a", 1, 0.0, 512, 512)
    return Recipe("sd", "dpm++", 16, 7.0, side, side)


def pipeline_folder(path: Path | str) -> Path:
    """The diffusers folder at `path` (or the newest snapshot of a Hugging Face cache entry)."""
    path = Path(path).expanduser()
    if path.is_file():
        if path.suffix.lower() in (".safetensors", ".ckpt", ".bin", ".pt"):
            raise EngineError(
                f"{path.name} is a single-file checkpoint, and the studio loads diffusers folders: "
                "choose a folder with model_index.json in it (for example a download of stabilityai/sd-turbo)."
            )
        raise EngineError(f"{path.name} is a file, not a model folder: choose the folder that holds model_index.json.")
    if not path.is_dir():
        raise MissingWeights(f"The image model folder {path} is not there: add the model again in Models.")
    snapshots = sorted((path / "snapshots").glob("*/model_index.json"), key=lambda p: p.stat().st_mtime)
    if not (path / "model_index.json").is_file() and snapshots:
        path = snapshots[-1].parent
    if not (path / "model_index.json").is_file():
        raise EngineError(
            f"{path.name} is not a diffusers pipeline folder (it has no model_index.json): choose the "
            "folder that holds model_index.json with unet, vae and text_encoder folders beside it."
        )
    if not _json(path / "model_index.json").get("_class_name"):
        raise EngineError(f"The model_index.json in {path.name} is damaged: download the model again.")
    return path


def folder_revision(folder: Path) -> str:
    """A fingerprint of the configs and weight files (names and sizes) of a pipeline folder."""
    digest = hashlib.sha256((folder / "model_index.json").read_bytes())
    for component in _COMPONENTS:
        sub = folder / component
        if not sub.is_dir():
            continue
        for p in sorted(sub.iterdir()):
            if p.is_file():
                digest.update(f"{component}/{p.name}:{p.stat().st_size}\n".encode("utf-8"))
                if p.suffix == ".json":
                    digest.update(p.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class _Loaded:
    folder: Path
    revision: str
    torch: object
    t2i: object
    device: str
    dtype: str
    generator_device: str
    scheduler_config: dict
    memory: list = field(default_factory=list)
    i2i: object = None

    def pipe_for(self, variation: bool):
        if variation and self.i2i is None:
            from diffusers import AutoPipelineForImage2Image

            self.i2i = AutoPipelineForImage2Image.from_pipe(self.t2i)
            self.i2i.set_progress_bar_config(disable=True)
        return self.i2i if variation else self.t2i


class DiffusersEngine:
    """Renders with a local diffusers pipeline, from a folder or from the model store."""

    id = "diffusers"
    task = "image"
    local = True
    label = "Diffusers (local)"

    def __init__(self, model_dir=None, store=None, *, model_id: str | None = None,
                 device: str | None = None, low_memory: bool | None = None):
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self._store = store
        self._model_id = model_id
        self._device = device  # None: CUDA, else Apple MPS, else CPU
        self._low_memory = low_memory  # None: decided from the device's memory
        self._lock = threading.RLock()
        self._loaded: _Loaded | None = None
        self._rate: float | None = None  # measured seconds per step per 512×512

    # -- which weights -------------------------------------------------------------

    def _locate(self) -> tuple[str, Path, str]:
        if self._model_dir is not None:
            folder = pipeline_folder(self._model_dir)
            return self._model_id or folder.name, folder, folder_revision(folder)
        ids = [self._model_id] if self._model_id else [e["id"] for e in catalogue() if e.get("engine") == self.id]
        for model_id in ids if self._store is not None else ():
            stored = self._store.get(model_id)
            if stored is not None:
                folder = pipeline_folder(stored.path)
                return model_id, folder, getattr(stored, "revision", "") or folder_revision(folder)
        what = f"The image model {self._model_id} is" if self._model_id else "No image model is"
        raise MissingWeights(
            f"{what} on this machine: download {self._model_id or 'SD-Turbo (about 2.6 GB)'} in Models, "
            f"or add a diffusers folder with `studio models add {self._model_id or 'sd-turbo'} FOLDER`."
        )

    def model(self) -> ModelRef:
        model_id, folder, revision = self._locate()
        return ModelRef(model_id, revision, str(folder))

    def recipe(self) -> Recipe:
        model_id, folder, _ = self._locate()
        return recipe_for(model_id, folder)

    # -- requests and estimates ----------------------------------------------------

    def request(self, prompt: str, *, seed: int | None = None, width: int | None = None,
                height: int | None = None, steps: int | None = None, guidance: float | None = None,
                negative_prompt: str = "", source=None, source_name: str = "",
                strength: float = 0.6) -> ImageRequest:
        model_id, folder, revision = self._locate()
        recipe = recipe_for(model_id, folder)
        steps = int(steps or recipe.steps)
        digest = ""
        if source is not None:
            digest = image_digest(source)
            steps = steps_for_strength(steps, strength)  # a variation must keep one step to run
        else:
            strength, source_name = 1.0, ""
        return ImageRequest(
            engine=self.id, model=model_id, model_revision=revision, prompt=prompt,
            seed=int(new_seed() if seed is None else seed), width=int(width or recipe.width),
            height=int(height or recipe.height), steps=steps,
            guidance=float(recipe.guidance if guidance is None else guidance), scheduler=recipe.scheduler,
            negative_prompt=negative_prompt, strength=float(strength), source_digest=digest, source=source_name,
        )

    def estimate(self, request: ImageRequest) -> Cost:
        """Rough until the first render here, then scaled from how long it took."""
        loaded = self._loaded
        per_step = self._rate
        if per_step is None:
            device = (loaded.device if loaded else self._device or "cpu").split(":")[0]
            per_step = _STEP_SECONDS.get(device, 6.0) * self._unet_share()
        seconds = per_step * request.width * request.height / (512 * 512) * max(1, request.steps_to_run)
        return Cost(0.0, round(seconds + (0.0 if loaded else 2.0 + 10.0 * self._unet_share()), 3))

    def _unet_share(self) -> float:
        """The UNet's size as a share of SD 1.5's (float32), from its files."""
        try:
            files = (pipeline_folder(self._model_dir or self.model().path) / "unet").glob("*.safetensors")
        except EngineError:
            return 1.0
        size = sum(p.stat().st_size * (2 if ".fp16." in p.name else 1) for p in files)
        return max(size / _SD15_UNET_BYTES, 1e-4)

    # -- rendering -----------------------------------------------------------------

    def text_to_image(self, request: ImageRequest, state: TaskState | None = None) -> Picture:
        if request.is_variation:
            raise EngineError("This request is a variation of another picture: render it with image_to_image.")
        return self._render(request, None, state or NullState())

    def image_to_image(self, request: ImageRequest, image, state: TaskState | None = None) -> Picture:
        if not request.is_variation or image_digest(image) != request.source_digest:
            raise EngineError(
                "The source picture is not the one this variation was set up from: start the variation again."
            )
        return self._render(request, as_rgb(image), state or NullState())

    def _render(self, request: ImageRequest, source, state: TaskState) -> Picture:
        request.check()
        check_cancelled(state)
        with self._lock:
            model_id, folder, revision = self._locate()
            if (request.model, request.model_revision) != (model_id, revision):
                raise EngineError(
                    f"This image was set up for {request.model} ({request.model_revision}), but the image "
                    f"model now installed is {model_id} ({revision}): render it again to use that one."
                )
            loaded = self._load(model_id, folder, revision, state)
            check_cancelled(state)
            return self._run(loaded, request, source, state)

    def _load(self, model_id: str, folder: Path, revision: str, state: TaskState) -> _Loaded:
        loaded = self._loaded
        if loaded is not None and (loaded.folder, loaded.revision) == (folder, revision):
            return loaded
        self.unload()
        with pool.loading(self, pool.size_on_disk([folder / part for part in ("unet", "vae", "text_encoder")]), model_id):
            return self._load_pipeline(model_id, folder, revision, state)

    def _load_pipeline(self, model_id: str, folder: Path, revision: str, state: TaskState) -> _Loaded:
        state.set_progress(0.0, f"Loading the image model {model_id}")
        import torch
        from diffusers import AutoPipelineForText2Image

        device, dtype = pick_device(torch, self._device)
        kwargs = {_dtype_keyword(): dtype, "local_files_only": True}
        variant = pick_variant(folder, dtype == torch.float16)
        if variant:
            kwargs["variant"] = variant
        try:
            t2i = AutoPipelineForText2Image.from_pretrained(str(folder), **kwargs)
            memory = fit_memory(torch, t2i, device, self._low_memory)
            if "model_cpu_offload" not in memory:
                t2i.to(device)
        except Exception as exc:  # every failure becomes a sentence; the detail keeps the cause
            raise _load_error(folder, exc) from exc
        t2i.set_progress_bar_config(disable=True)
        self._loaded = _Loaded(
            folder, revision, torch, t2i, device, str(dtype).removeprefix("torch."),
            "cpu" if device == "mps" else device, dict(t2i.scheduler.config), memory,
        )
        return self._loaded

    def _run(self, loaded: _Loaded, request: ImageRequest, source, state: TaskState) -> Picture:
        torch = loaded.torch
        pipe = loaded.pipe_for(source is not None)
        use_scheduler(pipe, request.scheduler, loaded.scheduler_config)
        total = request.steps_to_run

        def on_step(pipeline, step: int, timestep, tensors: dict) -> dict:
            if state.is_cancelled():
                pipeline._interrupt = True  # where the exception is swallowed, the loop still stops
                raise Cancelled()
            state.set_progress((step + 1) / total, f"Step {step + 1} of {total}")
            return tensors

        args = dict(
            prompt=request.prompt, negative_prompt=request.negative_prompt or None,
            num_inference_steps=request.steps, guidance_scale=request.guidance, output_type="np",
            generator=torch.Generator(loaded.generator_device).manual_seed(request.seed),
            callback_on_step_end=on_step,
        )
        if source is None:
            args.update(width=request.width, height=request.height)
        else:
            from PIL import Image

            resized = Image.fromarray(source).resize((request.width, request.height), Image.LANCZOS)
            args.update(image=resized, strength=request.strength)
        started = time.perf_counter()
        out_of_memory = ""
        try:
            with torch.inference_mode():
                pixels = pipe(**args).images[0]
        except Cancelled:
            raise
        except Exception as exc:
            if not _is_out_of_memory(exc):
                raise EngineError(
                    f"{request.model} failed while rendering this image: try again, or another size or model.",
                    detail=repr(exc),
                ) from exc
            out_of_memory = repr(exc)  # raised below, once the traceback (and its tensors) is gone
        if out_of_memory:
            self.unload()
            w, h = (max(64, int(side * 0.71) // 64 * 64) for side in (request.width, request.height))
            raise EngineError(
                f"There is not enough memory to render {request.width}×{request.height} with {request.model}: "
                f"try a smaller size such as {w}×{h}, or close other models.", detail=out_of_memory,
            )
        check_cancelled(state)
        if not np.isfinite(pixels).all():
            raise EngineError(
                f"{request.model} produced a blank image in {loaded.dtype}: try another seed or size."
            )
        seconds = time.perf_counter() - started
        self._rate = seconds / (max(1, total) * request.width * request.height / (512 * 512))
        image = (np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        state.set_progress(1.0, "Image ready")
        return Picture(image, {
            "device": loaded.device, "dtype": loaded.dtype, "scheduler": type(pipe.scheduler).__name__,
            "steps_run": total, "memory": list(loaded.memory), "seconds": round(seconds, 3),
        })

    def load(self, state: TaskState | None = None) -> None:
        """The pipeline in memory now, so that the next picture's seconds are its own (a comparison
        loads both sides before it starts timing); a sentence when the weights are missing."""
        with self._lock:
            model_id, folder, revision = self._locate()
            self._load(model_id, folder, revision, state or NullState())

    def unload(self) -> None:
        with self._lock:
            loaded, self._loaded = self._loaded, None
        if loaded is None:
            return
        kind = loaded.device.split(":")[0]
        del loaded
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and kind in ("cuda", "mps"):
            getattr(torch, kind).empty_cache()  # hand the freed blocks back to the system


def pick_device(torch, wanted: str | None = None) -> tuple[str, object]:
    """(device, dtype): CUDA float16, Apple-silicon MPS float16 (float32 elsewhere), CPU float32."""
    mps = getattr(torch.backends, "mps", None)
    device = wanted or ("cuda" if torch.cuda.is_available() else "mps" if mps and mps.is_available() else "cpu")
    kind = device.split(":")[0]
    if kind == "mps":
        import platform

        return device, torch.float16 if platform.machine() == "arm64" else torch.float32
    return device, torch.float16 if kind == "cuda" else torch.float32


def pick_variant(folder: Path, half: bool) -> str | None:
    """"fp16" when half-precision files are there and wanted (or are all there is)."""
    names = [p.name for c in _COMPONENTS if (folder / c).is_dir() for p in (folder / c).iterdir()]
    weights = [n for n in names if n.endswith((".safetensors", ".bin"))]
    has_half = any(".fp16." in n for n in weights)
    has_full = any(".fp16." not in n for n in weights)
    return "fp16" if has_half and (half or not has_full) else None


def fit_memory(torch, pipe, device: str, low_memory: bool | None) -> list[str]:
    """Trade speed for memory where memory is short; returns what was switched on."""
    kind = device.split(":")[0]
    if kind == "cuda":
        total = torch.cuda.get_device_properties(0).total_memory
    else:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            total = 1 << 62  # unknown (Windows): assume enough
    if not (low_memory if low_memory is not None else total < {"cuda": 10, "mps": 64}.get(kind, 16) * 2**30):
        return []
    pipe.enable_attention_slicing()
    applied = ["attention_slicing"]
    vae = getattr(pipe, "vae", None)
    for name, switch in (("vae_tiling", "enable_tiling"), ("vae_slicing", "enable_slicing")):
        if hasattr(vae, switch):
            getattr(vae, switch)()
            applied.append(name)
    if kind == "cuda" and total < 6 * 2**30:
        try:
            pipe.enable_model_cpu_offload()  # needs accelerate; without it the model stays on the GPU
            applied.append("model_cpu_offload")
        except (ImportError, RuntimeError, ValueError):
            pass
    return applied


def use_scheduler(pipe, name: str, original: dict) -> None:
    if name != "default" and name not in SCHEDULERS:
        raise EngineError(f"The scheduler '{name}' is unknown: use one of default, {', '.join(SCHEDULERS)}.")
    import diffusers

    cls = getattr(diffusers, SCHEDULERS.get(name) or original["_class_name"])
    if type(pipe.scheduler) is not cls:
        pipe.scheduler = cls.from_config(original)


def _dtype_keyword() -> str:
    # diffusers 0.36+ renamed torch_dtype to dtype; older ones know only torch_dtype.
    from diffusers.utils import deprecation_utils

    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


def _is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or "out of memory" in str(exc).lower()


def _load_error(folder: Path, exc: Exception) -> EngineError:
    name = folder.name
    if _is_out_of_memory(exc):
        message = f"There is not enough memory to load {name}: close other models, or choose a smaller one such as SD-Turbo."
    elif isinstance(exc, ValueError) and "AutoPipeline" in str(exc):
        kind = _json(folder / "model_index.json").get("_class_name", "pipeline")
        message = f"{name} holds a {kind}, which does not make pictures from a prompt: choose a text-to-image model."
    elif isinstance(exc, OSError):
        message = f"{name} is missing part of its weights: add a complete copy of the model (unet, vae, text_encoder, tokenizer)."
    else:
        message = f"The image model in {name} could not be loaded: download it again, or update Stitch Studio for newer models."
    return EngineError(message, detail=repr(exc))


def _json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
