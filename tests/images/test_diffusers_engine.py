"""The diffusers engine on a tiny random-weight pipeline, through the code path a real model uses."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from studio.engines.diffusers_engine import DiffusersEngine
from studio.engines.images import ImageEngine
from studio.engines.pngmeta import read_settings, save_png
from studio.errors import Cancelled, EngineError, MissingWeights


def _engine(folder, **kwargs) -> DiffusersEngine:
    return DiffusersEngine(folder, **kwargs)


def _draft(engine, seed=1, **kwargs):
    kwargs = {"width": 64, "height": 64, "steps": 2, "guidance": 0.0, **kwargs}
    return engine.request("a red fox in the snow", seed=seed, **kwargs)


def _one_sentence(message: str) -> None:
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_the_engine_is_an_image_engine(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    assert isinstance(engine, ImageEngine)
    assert (engine.id, engine.task, engine.local) == ("diffusers", "image", True)
    ref = engine.model()
    assert ref.id == "tiny-sd" and len(ref.revision) == 12 and ref.path == str(tiny_pipeline)


def test_text_to_image_runs_and_reports_each_step(tiny_pipeline, recording_state):
    engine = _engine(tiny_pipeline)
    state = recording_state()
    picture = engine.text_to_image(_draft(engine), state)
    assert picture.image.shape == (64, 64, 3) and picture.image.dtype == np.uint8
    assert picture.image.std() > 0  # a real decode, not a blank
    steps = [(f, m) for f, m in state.events if m.startswith("Step")]
    assert steps == [(0.5, "Step 1 of 2"), (1.0, "Step 2 of 2")]
    assert picture.info["device"] == "cpu" and picture.info["dtype"] == "float32"
    assert picture.info["steps_run"] == 2


def test_the_same_seed_gives_the_same_pixels_and_another_seed_does_not(tiny_pipeline):
    first = _engine(tiny_pipeline)
    a = first.text_to_image(_draft(first, seed=7)).image
    second = _engine(tiny_pipeline)  # a fresh load reproduces it too
    b = second.text_to_image(_draft(second, seed=7)).image
    c = second.text_to_image(_draft(second, seed=8)).image
    assert np.array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1.0


def test_image_to_image_makes_a_reproducible_variation(tiny_pipeline, recording_state):
    engine = _engine(tiny_pipeline)
    source = engine.text_to_image(_draft(engine, seed=3)).image
    request = _draft(engine, seed=4, source=source, source_name="take-1", strength=0.5)
    assert request.is_variation and request.steps_to_run == 1
    state = recording_state()
    first = engine.image_to_image(request, source, state)
    assert first.image.shape == (64, 64, 3)
    assert [m for _, m in state.events if m.startswith("Step")] == ["Step 1 of 1"]
    again = engine.image_to_image(request, source)
    assert np.array_equal(first.image, again.image)
    assert not np.array_equal(first.image, source)
    # text-to-image after a variation shares the weights and still reproduces
    assert np.array_equal(engine.text_to_image(_draft(engine, seed=3)).image, source)


def test_a_variation_keeps_at_least_one_step(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    source = np.full((48, 80, 3), 120, np.uint8)  # any size: resized to the request's
    request = _draft(engine, source=source, strength=0.25)
    assert request.steps == 4 and request.steps_to_run == 1
    assert engine.image_to_image(request, source).image.shape == (64, 64, 3)


def test_a_variation_refuses_another_source(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    source = np.full((64, 64, 3), 120, np.uint8)
    request = _draft(engine, source=source)
    with pytest.raises(EngineError) as err:
        engine.image_to_image(request, source + 1)
    _one_sentence(str(err.value))


def test_cancel_mid_run_raises_and_leaves_no_file(tiny_pipeline, recording_state, tmp_path):
    engine = _engine(tiny_pipeline)
    request = _draft(engine, steps=3)
    out = tmp_path / "renders"
    out.mkdir()
    state = recording_state(cancel_after="Step 1 of 3")

    def job():  # what the image job does: render, then write the take
        picture = engine.text_to_image(request, state)
        save_png(out / f"{request.cache_key()[:20]}.png", picture.image, request.to_dict())

    with pytest.raises(Cancelled):
        job()
    assert list(out.iterdir()) == []
    assert [m for _, m in state.events if m.startswith("Step")] == ["Step 1 of 3"]
    # the engine is still usable, and unharmed: the same request gives the same pixels
    a = engine.text_to_image(request).image
    assert np.array_equal(a, _engine(tiny_pipeline).text_to_image(request).image)


def test_a_cancel_before_the_start_loads_nothing(tiny_pipeline, recording_state):
    engine = _engine(tiny_pipeline)
    state = recording_state()
    state.cancelled = True
    with pytest.raises(Cancelled):
        engine.text_to_image(_draft(engine), state)
    assert engine._loaded is None


def test_the_png_carries_its_settings(tiny_pipeline, tmp_path):
    from PIL import Image

    engine = _engine(tiny_pipeline)
    request = _draft(engine, seed=11)
    picture = engine.text_to_image(request)
    path = save_png(tmp_path / "take.png", picture.image, {**request.to_dict(), **picture.info})
    settings = read_settings(path)
    assert (settings["seed"], settings["prompt"], settings["steps"], settings["model"]) == (
        11, "a red fox in the snow", 2, "tiny-sd")
    assert settings["model_revision"] == engine.model().revision
    with Image.open(path) as png:
        assert np.array_equal(np.asarray(png.convert("RGB")), picture.image)


def test_a_folder_that_is_not_a_pipeline_gets_a_sentence(tmp_path):
    (tmp_path / "holiday photos").mkdir()
    with pytest.raises(EngineError) as err:
        DiffusersEngine(tmp_path / "holiday photos").model()
    assert "model_index.json" in str(err.value)
    _one_sentence(str(err.value))

    checkpoint = tmp_path / "dreamy.safetensors"
    checkpoint.write_bytes(b"\0" * 16)
    with pytest.raises(EngineError, match="single-file checkpoint"):
        DiffusersEngine(checkpoint).model()

    with pytest.raises(MissingWeights) as err:
        DiffusersEngine(tmp_path / "gone").model()
    _one_sentence(str(err.value))


def test_an_incomplete_pipeline_gets_a_sentence(tiny_pipeline, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_pipeline, broken)
    shutil.rmtree(broken / "unet")
    engine = DiffusersEngine(broken)
    with pytest.raises(EngineError) as err:
        engine.text_to_image(_draft(engine))
    assert "broken" in str(err.value) and err.value.detail
    _one_sentence(str(err.value))


def test_an_lcm_model_is_drafted_with_the_lcm_scheduler(tiny_pipeline, tmp_path):
    lcm = tmp_path / "my-lcm"
    shutil.copytree(tiny_pipeline, lcm)
    config_path = lcm / "scheduler" / "scheduler_config.json"
    config = json.loads(config_path.read_text())
    config["_class_name"] = "LCMScheduler"
    config_path.write_text(json.dumps(config))
    engine = DiffusersEngine(lcm)
    assert engine.recipe().kind == "lcm"
    request = engine.request("a lighthouse", seed=1, width=64, height=64, steps=2)
    assert (request.scheduler, request.guidance) == ("lcm", 1.0)
    assert engine.text_to_image(request).info["scheduler"] == "LCMScheduler"


def test_a_catalogued_turbo_model_gets_its_draft_settings(tiny_pipeline):
    engine = DiffusersEngine(tiny_pipeline, model_id="sd-turbo")
    request = engine.request("a lighthouse", seed=1, width=64, height=64)
    assert (request.model, request.steps, request.guidance, request.scheduler) == ("sd-turbo", 1, 0.0, "euler_a")
    picture = engine.text_to_image(request)
    assert picture.info["scheduler"] == "EulerAncestralDiscreteScheduler"
    # and back to the folder's own scheduler when asked
    default = engine.text_to_image(replace(request, scheduler="default"))
    assert default.info["scheduler"] == "EulerDiscreteScheduler"


def test_low_memory_switches_on_slicing_and_tiling(tiny_pipeline):
    engine = DiffusersEngine(tiny_pipeline, low_memory=True)
    picture = engine.text_to_image(_draft(engine))
    assert {"attention_slicing", "vae_tiling", "vae_slicing"} <= set(picture.info["memory"])


def test_out_of_memory_suggests_a_smaller_size(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    engine.text_to_image(_draft(engine))
    real = engine._loaded.t2i

    class Exhausted:
        scheduler = real.scheduler

        def __call__(self, **kwargs):
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    engine._loaded.t2i = Exhausted()
    with pytest.raises(EngineError) as err:
        engine.text_to_image(_draft(engine, width=512, height=512))
    assert "smaller size" in str(err.value) and "320×320" in str(err.value)
    _one_sentence(str(err.value))
    assert engine._loaded is None  # the memory was handed back


def test_weights_come_from_the_store(tiny_pipeline):
    class Store:
        def __init__(self, held):
            self.held = held

        def get(self, model_id):
            return self.held.get(model_id)

    engine = DiffusersEngine(store=Store({"sdxl-turbo": SimpleNamespace(path=tiny_pipeline, revision="r1")}))
    assert (engine.model().id, engine.model().revision) == ("sdxl-turbo", "r1")
    assert engine.text_to_image(engine.request("x", seed=1, width=64, height=64)).image.shape == (64, 64, 3)

    with pytest.raises(MissingWeights) as err:
        DiffusersEngine(store=Store({})).model()
    assert "Models" in str(err.value)
    with pytest.raises(MissingWeights, match="lcm-dreamshaper-v7"):
        DiffusersEngine(store=Store({}), model_id="lcm-dreamshaper-v7").model()


def test_a_request_for_other_weights_is_refused(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    request = _draft(engine)
    with pytest.raises(EngineError, match="render it again"):
        engine.text_to_image(replace(request, model_revision="0" * 12))


def test_estimate_learns_from_the_last_run_and_unload_frees(tiny_pipeline):
    engine = _engine(tiny_pipeline)
    request = _draft(engine)
    assert engine.estimate(request).seconds > 0 and engine.estimate(request).money == 0
    picture = engine.text_to_image(request)
    assert engine.estimate(request).seconds == pytest.approx(picture.info["seconds"], abs=0.01)
    engine.unload()
    assert engine._loaded is None
    assert np.array_equal(engine.text_to_image(request).image, picture.image)


def test_a_hugging_face_cache_entry_opens_at_its_newest_snapshot(tiny_pipeline, tmp_path):
    entry = tmp_path / "models--someone--tiny-sd"
    shutil.copytree(tiny_pipeline, entry / "snapshots" / "0123abcd")
    engine = DiffusersEngine(entry)
    assert engine.model().path == str(entry / "snapshots" / "0123abcd")


def test_the_registry_makes_it_with_its_store(tiny_pipeline):
    from studio.engines.registry import EngineRegistry

    store = SimpleNamespace(get=lambda model_id: SimpleNamespace(path=tiny_pipeline, revision="r2")
                            if model_id == "sd-turbo" else None)
    registry = EngineRegistry(store=store)
    registry.register("diffusers", DiffusersEngine)
    assert "diffusers" in registry.ids("image")
    engine = registry.get("diffusers")
    assert (engine.model().id, engine.model().revision) == ("sd-turbo", "r2")


def _fake_torch(cuda=False, mps=False, gpu_bytes=24 * 2**30):
    return SimpleNamespace(
        float16="float16", float32="float32",
        cuda=SimpleNamespace(is_available=lambda: cuda,
                             get_device_properties=lambda i: SimpleNamespace(total_memory=gpu_bytes)),
        backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)),
    )


def test_device_and_precision_follow_the_machine(monkeypatch):
    from studio.engines.diffusers_engine import pick_device

    assert pick_device(_fake_torch(cuda=True, mps=True)) == ("cuda", "float16")
    assert pick_device(_fake_torch()) == ("cpu", "float32")
    assert pick_device(_fake_torch(cuda=True), "cpu") == ("cpu", "float32")
    monkeypatch.setattr("platform.machine", lambda: "arm64")
    assert pick_device(_fake_torch(mps=True)) == ("mps", "float16")
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    assert pick_device(_fake_torch(mps=True)) == ("mps", "float32")


def test_half_precision_files_are_used_when_wanted_or_alone(tmp_path):
    from studio.engines.diffusers_engine import pick_variant

    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "diffusion_pytorch_model.fp16.safetensors").touch()
    assert pick_variant(tmp_path, half=False) == "fp16"  # all there is
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").touch()
    assert pick_variant(tmp_path, half=True) == "fp16"
    assert pick_variant(tmp_path, half=False) is None


def test_a_small_gpu_gets_slicing_tiling_and_offload():
    from studio.engines.diffusers_engine import fit_memory

    calls = []
    vae = SimpleNamespace(enable_tiling=lambda: calls.append("tiling"), enable_slicing=lambda: calls.append("slicing"))
    pipe = SimpleNamespace(vae=vae, enable_attention_slicing=lambda: calls.append("attention"),
                           enable_model_cpu_offload=lambda: calls.append("offload"))
    small = _fake_torch(cuda=True, gpu_bytes=4 * 2**30)
    assert fit_memory(small, pipe, "cuda", None) == [
        "attention_slicing", "vae_tiling", "vae_slicing", "model_cpu_offload"]
    assert calls == ["attention", "tiling", "slicing", "offload"]
    assert fit_memory(_fake_torch(cuda=True, gpu_bytes=80 * 2**30), pipe, "cuda", None) == []
