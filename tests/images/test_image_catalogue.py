"""The recommended image models are data the model store can read."""

from __future__ import annotations

from studio.engines.diffusers_engine import SCHEDULERS
from studio.engines.images import CATALOGUE, Recipe, catalogue


def test_every_image_model_is_complete():
    models = catalogue()
    assert {m["id"] for m in models} >= {"sd-turbo", "sdxl-turbo", "lcm-dreamshaper-v7"}
    for m in models:
        assert m["task"] == "image" and m["engine"] == "diffusers"
        assert m["name"] and m["license"] and "/" in m["source"] and m["size_mb"] > 0
        assert any(f["path"] == "model_index.json" for f in m["files"])
        assert all("sha256" in f for f in m["files"])  # null where not known yet
        recipe = Recipe(**m["draft"])
        assert recipe.scheduler in SCHEDULERS and recipe.steps >= 1


def test_the_model_store_reads_the_same_shape():
    from studio.models.store import ModelStore

    store = ModelStore(catalogue=CATALOGUE)
    for m in catalogue():
        entry = store.entry(m["id"])
        assert (entry.task, entry.engine, entry.source) == ("image", "diffusers", m["source"])
        assert [f.path for f in entry.files] == [f["path"] for f in m["files"]]


def test_a_catalogued_image_model_is_added_from_a_folder_and_found_by_the_engine(tiny_pipeline, tmp_path):
    """`studio models add sd-turbo FOLDER` (what the engine's missing-model sentence says) works."""
    from studio.engines.diffusers_engine import DiffusersEngine
    from studio.models.store import ModelStore

    store = ModelStore(tmp_path / "store")
    stored = store.add("sd-turbo", tiny_pipeline)
    assert store.get("sd-turbo") == stored
    assert "sd-turbo" in [m["id"] for m in store.catalogue()]  # the Models window lists it
    ref = DiffusersEngine(store=store).model()
    assert ref.id == "sd-turbo" and ref.path == str(tiny_pipeline)
