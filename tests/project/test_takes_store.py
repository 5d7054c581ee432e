"""TakeStore: every render's record, on disk at once, readable by older and newer studios."""

from __future__ import annotations

import json
import threading

from studio.project.takes import Take, TakeStore


def _take(n: int, line_id: str = "line-a", created: str | None = None) -> Take:
    return Take(
        id=f"t{n}", line_id=line_id, path=f"renders/{n:020d}.wav", cache_key=f"key{n}", engine="kokoro-onnx",
        model="kokoro-82m", voice="af_heart", speed=1.0, text=f"text {n}", g2p="misaki",
        seconds=0.5, duration=2.0, sample_rate=24000, created=created or f"2025-01-01T00:00:{n:02d}+00:00",
        request={"engine": "kokoro-onnx", "text": f"text {n}"},
    )


def test_takes_are_written_at_once_and_read_back(tmp_path):
    store = TakeStore(tmp_path)
    store.add(_take(1))
    store.add(_take(2, "line-b"))
    assert json.loads((tmp_path / ".stitch" / "takes.json").read_text())["takes"][0]["id"] == "t1"
    again = TakeStore(tmp_path)
    assert [t.id for t in again.all()] == ["t1", "t2"]
    assert again.get("t2") == _take(2, "line-b")
    assert again.get("nope") is None


def test_a_lines_takes_come_newest_first(tmp_path):
    store = TakeStore(tmp_path)
    store.add(_take(3, created="2025-01-01T00:00:03+00:00"))
    store.add(_take(1, created="2025-01-01T00:00:01+00:00"))
    store.add(_take(2, created="2025-01-01T00:00:03+00:00"))  # same instant as t3, added later
    store.add(_take(4, "other"))
    assert [t.id for t in store.for_line("line-a")] == ["t2", "t3", "t1"]
    assert store.for_line("nobody") == []


def test_a_take_is_found_by_its_key_only_while_its_audio_exists(tmp_path):
    store = TakeStore(tmp_path)
    take = _take(5)
    store.add(take)
    assert store.find_by_key("key5") is None
    (tmp_path / "renders").mkdir()
    (tmp_path / take.path).write_bytes(b"RIFF")
    assert store.find_by_key("key5") == take
    assert store.find_by_key("key6") is None


def test_records_from_other_versions_are_read_leniently(tmp_path):
    newer = dict(_take(7).to_dict(), loudness=-16.0, rating=5)
    older = {k: v for k, v in _take(8).to_dict().items() if k not in ("tier", "request", "g2p")}
    (tmp_path / ".stitch").mkdir()
    (tmp_path / ".stitch" / "takes.json").write_text(
        json.dumps({"schema": 1, "ledger_total": 1.5, "takes": [newer, older, {"no": "id"}]})
    )
    store = TakeStore(tmp_path)
    assert [t.id for t in store.all()] == ["t7", "t8"]
    assert store.get("t8").tier == "draft" and store.get("t8").g2p == "" and store.get("t8").request == {}
    store.add(_take(9))
    data = json.loads((tmp_path / ".stitch" / "takes.json").read_text())
    assert data["ledger_total"] == 1.5  # a newer studio's key survives our rewrite


def test_takes_added_from_many_threads_are_all_kept(tmp_path):
    store = TakeStore(tmp_path)
    threads = [
        threading.Thread(target=lambda k=k: [store.add(_take(k * 100 + n, f"line-{k}")) for n in range(15)])
        for k in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(TakeStore(tmp_path).all()) == 90
    assert all(len(store.for_line(f"line-{k}")) == 15 for k in range(6))
