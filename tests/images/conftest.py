"""A tiny random-weight Stable Diffusion pipeline, built once per test session.

It has the real pipeline's shape (UNet, VAE, CLIP text model and tokenizer,
scheduler) at a few MB, saved with `save_pretrained`, so the engine loads it
exactly as it loads SD-Turbo from a folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _byte_level_vocab() -> dict[str, int]:
    # CLIP's byte-to-unicode table: every byte is a token, alone and word-final.
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = [b for b in range(256) if b not in printable]
    chars = [chr(c) for c in printable] + [chr(256 + i) for i in range(len(extra))]
    vocab: dict[str, int] = {}
    for suffix in ("", "</w>"):
        for c in chars:
            vocab[c + suffix] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return vocab


def build_tiny_pipeline(folder: Path) -> Path:
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = _byte_level_vocab()
    words = folder / "words"
    words.mkdir(parents=True, exist_ok=True)
    (words / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (words / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(str(words / "vocab.json"), str(words / "merges.txt"), model_max_length=77)

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, attention_head_dim=(2, 4), norm_num_groups=32,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=32,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2, sample_size=64,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_attention_heads=4,
        num_hidden_layers=2, max_position_embeddings=77, projection_dim=32,
        bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
        pad_token_id=vocab["<|endoftext|>"],
    ))
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
        timestep_spacing="trailing", steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    target = folder / "tiny-sd"
    pipe.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory) -> Path:
    """The folder of a saved tiny Stable Diffusion pipeline (treat it as read-only)."""
    return build_tiny_pipeline(tmp_path_factory.mktemp("image-models"))


class RecordingState:
    """A TaskState that records progress and can cancel itself after a given step."""

    def __init__(self, cancel_after: str | None = None):
        self.events: list[tuple[float, str]] = []
        self.cancelled = False
        self.cancel_after = cancel_after

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.events.append((fraction, message))
        if self.cancel_after is not None and message == self.cancel_after:
            self.cancelled = True

    def is_cancelled(self) -> bool:
        return self.cancelled


@pytest.fixture
def recording_state():
    return RecordingState


@pytest.fixture(autouse=True)
def _one_torch_thread(request):
    """The tiny model's tensors are too small to share out: a second thread only adds
    OpenMP spin-waiting, which on a busy 2-core machine slows each step tenfold."""
    if "tiny_pipeline" not in request.fixturenames:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
