"""Hosted faults against the fake services on 127.0.0.1: every HTTP error class, a timeout, a
reset, the wrong content type, bad or hostile audio. Each is one sentence, no take and no
partial file, and the ledger exact: a call the provider completed (and billed) is in it at
its price with its usage figures; one it did not complete is in it at nothing."""

from __future__ import annotations

import random
import struct
from decimal import Decimal

import numpy as np
import pytest

from hosted.fakes import FakeElevenLabs, FakeOpenAI, Fault, tone, wav_bytes
from studio.engines.base import NullState
from studio.engines.hosted.elevenlabs import ElevenLabsEngine
from studio.engines.hosted.http import Retries, Timeouts
from studio.engines.hosted.openai_compat import OpenAISpeechEngine
from studio.money.prices import money
from studio.errors import StudioError
from studio.money.ledger import project_ledger, shared_budget
from studio.jobs.premium import render_recorded
from studio.project.project import Project

from .support import examples, record_run

KEY = "sk-test-Fault7xQ2mW9pL4vR8tZ1"
FAST = Retries(attempts=2, backoff=0.01, max_wait=1.0, jitter=0.0)
QUICK = Timeouts(connect=2.0, read=0.4, total=5.0)


@pytest.fixture(autouse=True)
def _loopback(loopback_only):
    """Only the fakes on this machine are reached."""


def _wav(fmt_tag=1, channels=1, rate=24000, bits=16, data=b"", fmt_size=16, data_size=None) -> bytes:
    align = max(1, channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
    size = len(data) if data_size is None else data_size
    body = b"fmt " + struct.pack("<I", fmt_size) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", (4 + len(body)) & 0xFFFFFFFF) + b"WAVE" + body


def _float_wav(values) -> bytes:
    return _wav(fmt_tag=3, bits=32, data=np.asarray(values, dtype="<f4").tobytes())


def _hostile_audio() -> dict[str, bytes]:
    good = tone(0.3).astype("<f4")
    return {
        "rate 0xFFFFFFF0": _wav(rate=0xFFFFFFF0, data=bytes(4800)),
        "rate 0": _wav(rate=0, data=bytes(4800)),
        "rate 1": _wav(rate=1, data=bytes(4800)),
        "NaN samples": _float_wav(np.full(4800, np.nan)),
        "one inf sample": _float_wav(np.concatenate([good, [np.inf]])),
        "zero length": _wav(data=b""),
        "hours of audio": _wav(rate=4000, bits=8, data=bytes(4000 * 1801)),
        "65535 channels": _wav(channels=65535, data=bytes(10)),
        "24-bit": _wav(bits=24, data=bytes(300)),
        "fmt chunk past the end": _wav(fmt_size=0xFFFFFFF0, data=bytes(100)),
        "no fmt chunk": b"RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00",
        "RIFF header only": b"RIFF\x00\x00\x00\x00WAVE",
        "garbage MP3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(random.Random(3).randrange(256) for _ in range(2000)),
    }


def _faults() -> list[tuple[str, list[Fault], bool]]:
    """(name, the faults each try meets, whether the provider completed the call)."""
    cases = [(f"HTTP {s}", [Fault(status=s)] * FAST.attempts, False)
             for s in (400, 401, 402, 403, 404, 408, 409, 413, 415, 422, 429, 500, 502, 503, 504)]
    cases += [
        ("timeout", [Fault(delay=3.0)], False),
        # The headers arrived: a provider that reports its charge there (ElevenLabs) billed it.
        ("stall mid-body", [Fault(stall=3.0)], "headers"),
        ("connection reset mid-body", [Fault(cut=True)], "headers"),
        ("HTML page", [Fault(body=b"<html><body>Welcome to nginx!</body></html>", content_type="text/html")], True),
        ("JSON instead of audio", [Fault(body=b'{"error": {"message": "no"}}', content_type="application/json")], True),
        ("empty body", [Fault(body=b"", content_type="audio/wav")], True),
    ]
    cases += [(name, [Fault(body=body, content_type="audio/wav")], True) for name, body in _hostile_audio().items()]
    if examples(0, 1):
        rng = random.Random(16)
        for n in range(200):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000)))
            if rng.random() < 0.5:  # a plausible header over random bytes
                body = _wav(rate=rng.choice([0, 1, 8000, 24000, 0xFFFFFFFF]), bits=rng.choice([8, 16, 32]),
                            fmt_tag=rng.choice([1, 3, 0xFFFE]), channels=rng.choice([0, 1, 2, 7]), data=body)
            cases.append((f"random reply {n}", [Fault(body=body, content_type="audio/wav")], None))
    return cases


def _check_one(folder, engine, fake, faults, completed, price_of, charge_in_headers: bool) -> None:
    project = Project.open(folder)
    try:
        line = project.lines[0]
        ledger = project_ledger(folder)
        budget = shared_budget(folder, 5)
        before_entries = len(ledger.entries())
        before_files = sorted(p.name for p in (folder / "renders").iterdir())
        before_takes = len(project.takes.all())
        request = engine.request(line.text.strip(), engine.default_voice(), 1.0)
        fake.faults.clear()
        fake.script(*faults)
        try:
            render_recorded(ledger, budget, folder, project.takes, line.id, request, engine, NullState(), "final")
        except StudioError as exc:
            message = exc.message
        else:
            # Only a random reply may turn out to be real audio; then it is a take like any other.
            assert completed is None, "a fault went unnoticed"
            fake.faults.clear()
            return
        assert message and "\n" not in message and KEY not in message and "Traceback" not in message
        assert len(project.takes.all()) == before_takes  # no take recorded
        assert sorted(p.name for p in (folder / "renders").iterdir()) == before_files  # nothing partial
        [entry] = ledger.entries()[before_entries:]
        assert entry.status == "failed" and entry.tier == "final"
        assert entry.usage["characters"] == len(request.text)
        billed = {None: entry.charged > 0, "headers": charge_in_headers}.get(completed, completed)
        assert entry.charged == (price_of(request) if billed else Decimal(0)), (entry.charged, message)
        assert ledger.spent() == sum((e.charged for e in ledger.entries()), Decimal(0))
    finally:
        fake.faults.clear()
        project.close()


def _run(folder, engine, fake, price_of, suite: str, charge_in_headers: bool = False) -> None:
    cases = _faults()
    failures = []
    for name, faults, completed in cases:
        try:
            _check_one(folder, engine, fake, faults, completed, price_of, charge_in_headers)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    record_run(suite, len(cases), len(cases), len(cases) - len(failures), 0)
    assert not failures, "\n".join(failures)


def test_openai_speech_faults_are_sentences_with_an_exact_ledger(demo_project):
    with FakeOpenAI(KEY) as fake:
        engine = OpenAISpeechEngine(base_url=f"{fake.url}/v1", api_key=KEY, paid=True, timeouts=QUICK,
                                    retries=FAST, trust_env=False)
        _run(demo_project, engine, fake, lambda r: money(Decimal("15.00") * len(r.text) / 1_000_000),
             "hosted_faults_openai")
        engine.unload()


def test_elevenlabs_faults_charge_what_it_reported(demo_project):
    with FakeElevenLabs("xi-test-Fault") as fake:
        engine = ElevenLabsEngine(base_url=fake.url, api_key="xi-test-Fault", paid=True, timeouts=QUICK,
                                  retries=FAST, trust_env=False)
        # The fake reports the characters it billed in `character-cost`, as ElevenLabs does.
        price_of = lambda r: engine.charge(r.model, engine.usage(r))  # noqa: E731
        _run(demo_project, engine, fake, price_of, "hosted_faults_elevenlabs", charge_in_headers=True)
        engine.unload()


def test_a_wav_with_nan_samples_is_never_saved_even_from_a_local_engine(demo_project, sine_registry, sine_engine):
    from studio.engines.base import Audio
    from studio.jobs.pipeline import Voicing

    project = Project.open(demo_project)
    try:
        voicing = Voicing(project, sine_registry)
        line = project.lines[0]
        real = sine_engine.synthesize
        sine_engine.synthesize = lambda request, state: Audio(np.full(100, np.nan, np.float32), 24000, {})
        with pytest.raises(StudioError) as caught:
            voicing.render_line(line.id, NullState())
        assert "no take was saved" in caught.value.message
        assert not project.takes.all() and not any((demo_project / "renders").iterdir())
        sine_engine.synthesize = real
    finally:
        project.close()


def test_the_two_typos_are_gone():
    from studio.engines.hosted.http import HostedClient

    engine = OpenAISpeechEngine(base_url="http://127.0.0.1:9/v1", api_key=KEY)
    assert "the the" not in engine.client._key_help and "the key for the server at 127.0.0.1:9" in engine.client._key_help
    client = HostedClient("the speech server at 127.0.0.1:9", "http://127.0.0.1:9")
    for status in (402, 403):
        text = client._refusal(status, {}, b"", 1, None).message
        assert "your the" not in text and "the account you use on the speech server" in text
    official = HostedClient("OpenAI", "https://api.openai.com/v1")
    assert "in your OpenAI account" in official._refusal(403, {}, b"", 1, None).message
