"""Kokoro-82M on PyTorch: the full-precision model, on the GPU when there is one.

Weights come from the model store (`kokoro-82m`: config.json, one .pth and
voices/*.pt). The kokoro package would download anything it is not handed, and its
KPipeline would download spaCy's model: so the engine hands KModel local paths,
loads voice tensors itself and does its own G2P. torch and kokoro load on first use.
"""

from __future__ import annotations

import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.models import pool
from studio.engines.kokoro_common import KokoroEngineBase, Timed, blend
from studio.models.store import StoredModel
from studio.errors import EngineError, MissingWeights

REPO_ID = "hexgrad/Kokoro-82M"  # only names the architecture: nothing is fetched from it


@dataclass
class _Loaded:
    model: Any  # kokoro.KModel, in eval mode on `device`
    device: str
    voices_dir: Path
    packs: dict[str, Any] = field(default_factory=dict)  # voice name -> tensor (510, 1, 256)


def pick_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class KokoroEngine(KokoroEngineBase):
    id = "kokoro"
    label = "Kokoro (PyTorch)"
    model_id = "kokoro-82m"
    preferred_voices = ("af_heart", "af_bella")
    realtime_factor = 1.0
    load_seconds = 6.0

    def _stored(self) -> StoredModel:
        stored = self.store.get(self.model_id)
        if stored is None:
            entry = self.store.entry(self.model_id)
            raise MissingWeights(
                f"Kokoro weights are not on this machine: run `studio models add {self.model_id} FOLDER` "
                "with a folder holding config.json and kokoro-v1_0.pth, "
                f"or open Models ({entry.size_mb:g} MB)."
            )
        return stored

    def _voice_names(self, stored: StoredModel) -> list[str]:
        return sorted(p.stem for p in stored.files["voices/"].glob("*.pt") if p.is_file())

    def _load(self, stored: StoredModel) -> _Loaded:
        # float32 weights as stored, plus the voice packs loaded on use
        with pool.loading(self, pool.size_on_disk([stored.files["kokoro-v1_0.pth"]], 1.3), stored.id):
            return self._load_weights(stored)

    def _load_weights(self, stored: StoredModel) -> _Loaded:
        from kokoro.model import KModel

        device = pick_device()
        try:
            with warnings.catch_warnings():
                # KModel builds with torch's deprecated weight_norm and a one-layer LSTM
                # with dropout: library noise, nothing a creator could act on.
                warnings.simplefilter("ignore", FutureWarning)
                warnings.filterwarnings("ignore", message="dropout option adds dropout")
                model = KModel(
                    repo_id=REPO_ID,
                    config=str(stored.files["config.json"]),
                    model=str(stored.files["kokoro-v1_0.pth"]),
                )
            model = model.to(device).eval()
        except (OSError, ValueError, KeyError, RuntimeError, AssertionError, TypeError,
                pickle.UnpicklingError) as exc:
            raise EngineError(
                f"The Kokoro weights in {stored.path} could not be loaded: add a fresh copy with "
                f"`studio models add {self.model_id} FOLDER`.",
                detail=repr(exc),
            ) from exc
        return _Loaded(model, device, stored.files["voices/"])

    def _style(self, loaded: _Loaded, pairs: list[tuple[str, float]]) -> Any:
        import torch

        for name, _ in pairs:
            if name not in loaded.packs:
                path = loaded.voices_dir / f"{name}.pt"
                try:
                    pack = torch.load(path, map_location="cpu", weights_only=True)
                    pack = pack.to(torch.float32).reshape(-1, 1, 256)
                except Exception as exc:
                    raise EngineError(
                        f"The voice file {path.name} could not be read: replace it with a fresh copy "
                        f"in {loaded.voices_dir}.",
                        detail=repr(exc),
                    ) from exc
                loaded.packs[name] = pack
        return blend(loaded.packs, pairs)

    def _infer(self, loaded: _Loaded, phonemes: str, style: Any, speed: float) -> Timed | np.ndarray:
        import torch

        kept = "".join(p for p in phonemes if p in loaded.model.vocab)  # what KModel turns into ids
        if not kept:
            return np.zeros(0, np.float32)
        ref = style[min(len(phonemes), len(style)) - 1]  # as KPipeline.infer does
        with torch.inference_mode():
            output = loaded.model(phonemes, ref, speed, return_output=True)
        samples = output.audio.float().cpu().numpy().reshape(-1)
        if output.pred_dur is None:
            return samples
        # The predicted duration of each phoneme: Kokoro's own word timings (KPipeline.join_timestamps).
        return Timed(samples, output.pred_dur.cpu().numpy().reshape(-1), kept)
