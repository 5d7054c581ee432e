"""The cost ledger and the budget, with real paid calls to the fake servers."""

from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal

import pytest

from studio.engines.base import NullState
from studio.engines.hosted.http import HostedError
from studio.money.prices import PriceTable, format_money, money
from studio.errors import Cancelled
from studio.money.ledger import LEDGER, Budget, BudgetExceeded, Entry, Ledger, render_paid
from studio.storage import atomic_write_bytes

from .conftest import ELEVEN_KEY, KEY, State, eleven_engine, speech_engine
from .fakes import Fault, wav_bytes

TEXT = "A premium take, for the one line that matters."  # 46 characters
LONG = "y" * 1234


def _at_list_price(engine: str, model: str, characters: int) -> Decimal:
    """`characters` at resources/prices.json's price, worked out here rather than by the engine."""
    price = PriceTable.load().price(engine, model)
    return money(price.amount * characters / price.per)


ELEVEN = _at_list_price("elevenlabs", "eleven_multilingual_v2", len(TEXT))  # the fake bills every character
OPENAI = _at_list_price("openai-tts", "tts-1", len(LONG))


def _take(folder, engine, request, state):
    """Worker side of a premium render: the wav is written only once the whole reply is in."""
    audio = engine.synthesize(request, state)
    atomic_write_bytes(folder / "renders" / f"{request.cache_key()[:20]}.wav", wav_bytes(audio.samples, audio.sample_rate))
    return audio


def _paid(ledger, budget, folder, engine, text, state=None, ref="line-1"):
    request = engine.request(text, "", 1.0)
    return render_paid(ledger, budget, engine, request, lambda: _take(folder, engine, request, state or NullState()), ref=ref)


def test_the_ledger_is_right_to_the_cent(tmp_path, paid_fakes, keys, eleven_fake, openai_fake):
    project = tmp_path / "project"
    ledger, eleven, openai = Ledger(project), eleven_engine(eleven_fake), speech_engine(openai_fake)
    budget = Budget(ledger, "5.00")
    assert eleven.paid and openai.paid

    _paid(ledger, budget, project, eleven, TEXT)  # ElevenLabs billed 46 characters
    _paid(ledger, budget, project, openai, LONG)  # 1234 characters, priced from the list
    eleven_fake.script(Fault(cut=True))  # billed, then the connection broke
    with pytest.raises(HostedError):
        _paid(ledger, budget, project, eleven, TEXT)
    openai_fake.script(*[Fault(status=500)] * 3)  # three 500s: nothing billed
    with pytest.raises(HostedError):
        _paid(ledger, budget, project, openai, LONG)
    eleven_fake.script(Fault(delay=10.0))  # cancelled before any reply: nothing billed
    state = State()
    state.cancel_after(0.1)
    with pytest.raises(Cancelled):
        _paid(ledger, budget, project, eleven, TEXT, state)
    ledger.record("kokoro-onnx", "kokoro-82m", "tts", "draft", seconds=0.8, usage={"characters": 120}, ref="line-2")

    assert ledger.spent() == 2 * ELEVEN + OPENAI
    assert budget.remaining() == Decimal("5.00") - 2 * ELEVEN - OPENAI
    [ok, ok2, cut, errored, cancelled, draft] = ledger.entries()
    assert (ok.status, ok.charged, ok.charge_source, ok.estimated) == ("done", ELEVEN, "provider", ELEVEN)
    assert (ok2.charged, ok2.charge_source, ok2.usage) == (OPENAI, "price list", {"characters": 1234})
    assert (cut.status, cut.charged, cut.charge_source) == ("failed", ELEVEN, "provider")
    assert (errored.status, errored.charged, errored.charge_source) == ("failed", Decimal(0), "none reported")
    assert (cancelled.status, cancelled.charged) == ("cancelled", Decimal(0))
    assert errored.estimated == OPENAI and ok.tier == "final" and ok.ref == "line-1"
    assert ok.key and ok.model == "eleven_multilingual_v2" and ok.time.endswith("+00:00")

    by_engine = ledger.totals("engine")
    assert by_engine["elevenlabs"].charged == 2 * ELEVEN and by_engine["elevenlabs"].renders == 3
    assert by_engine["elevenlabs"].failed == 2 and by_engine["openai-tts"].charged == OPENAI
    assert by_engine["kokoro-onnx"].charged == 0 and by_engine["kokoro-onnx"].renders == 1
    assert ledger.totals("task")["tts"].charged == 2 * ELEVEN + OPENAI
    assert ledger.totals("tier")["final"].estimated == ELEVEN * 3 + OPENAI * 2

    reopened = Ledger(project)  # everything is on disk, exactly
    assert reopened.entries() == ledger.entries() and reopened.spent() == 2 * ELEVEN + OPENAI
    lines = (project / LEDGER).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and json.loads(lines[0])["charged"] == f"{ELEVEN:f}"


def test_a_paid_call_over_the_cap_sends_nothing_and_says_by_how_much(tmp_path, paid_fakes, keys, eleven_fake):
    project = tmp_path / "project"
    ledger, engine = Ledger(project), eleven_engine(eleven_fake)
    cap = money(ELEVEN * Decimal("1.5"))  # room for one render and a half
    budget = Budget(ledger, cap)
    _paid(ledger, budget, project, engine, TEXT)
    with pytest.raises(BudgetExceeded) as caught:
        _paid(ledger, budget, project, engine, TEXT)
    assert str(caught.value) == (
        f"This render would cost about {format_money(ELEVEN)} but only {format_money(cap - ELEVEN)} of this "
        f"project's {format_money(cap)} budget is left, so it would go over by {format_money(2 * ELEVEN - cap)}: "
        "raise the budget in the project's settings, or render something shorter."
    )
    assert len(eleven_fake.hits) == 1  # the refused call sent nothing
    assert len(ledger.entries()) == 1  # and cost nothing

    broke = Budget(Ledger(tmp_path / "other"), 0)
    with pytest.raises(BudgetExceeded, match="go over by \\$0.37"):
        broke.check(Decimal("0.37"))
    broke.check(0)  # a free render always fits


def test_a_call_that_never_reached_the_provider_is_not_a_render(tmp_path, paid_fakes, eleven_fake):
    from studio.engines.secrets import MissingKey

    ledger = Ledger(tmp_path / "project")
    with pytest.raises(MissingKey):  # no key set in this test
        _paid(ledger, Budget(ledger, "1"), tmp_path / "project", eleven_engine(eleven_fake), TEXT)
    assert ledger.entries() == [] and eleven_fake.hits == []


def test_two_calls_at_once_cannot_both_fit(tmp_path):
    budget = Budget(Ledger(tmp_path), "1.00")
    inside, release = threading.Event(), threading.Event()

    def first():
        with budget.hold(Decimal("0.70")):
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    inside.wait(5)
    with pytest.raises(BudgetExceeded, match="only \\$0.30"):
        budget.check(Decimal("0.50"))
    release.set()
    worker.join(5)
    budget.check(Decimal("0.50"))  # the hold ended, and the first call recorded nothing


def test_failed_and_cancelled_renders_leave_nothing_on_disk(tmp_path, paid_fakes, keys, eleven_fake):
    project = tmp_path / "project"
    ledger, engine = Ledger(project), eleven_engine(eleven_fake)
    budget = Budget(ledger, "1")
    eleven_fake.script(Fault(cut=True), Fault(stall=10.0))
    with pytest.raises(HostedError):
        _paid(ledger, budget, project, engine, TEXT)
    state = State()
    state.cancel_after(0.2)
    with pytest.raises(Cancelled):
        _paid(ledger, budget, project, engine, TEXT, state)
    assert not (project / "renders").exists()
    _paid(ledger, budget, project, engine, TEXT)
    assert [p.suffix for p in (project / "renders").iterdir()] == [".wav"]


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_afresh(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.record("elevenlabs", "m", "tts", "final", charged=Decimal("0.10"))
    with open(tmp_path / LEDGER, "ab") as f:
        f.write(b'{"engine":"elevenlabs","charged":"0.5')  # a crash in the middle of a write
    assert ledger.spent() == Decimal("0.10")
    ledger.record("elevenlabs", "m", "tts", "final", charged=Decimal("0.25"))
    fresh = Ledger(tmp_path)
    assert fresh.spent() == Decimal("0.35") and fresh.damaged == 1 and len(fresh.entries()) == 2


def test_what_the_drafts_would_have_cost_at_the_premium_price(tmp_path):
    from studio.engines.base import RenderRequest

    ledger = Ledger(tmp_path)
    for chars in (100, 250, 1234):
        draft = RenderRequest("kokoro-onnx", "kokoro-82m", "rev", "af_bella", 1.0, "z" * chars)
        assert ledger.record_render(draft, seconds=0.5).usage == {"characters": chars}
    ledger.record("kokoro-onnx", "kokoro", "tts", "draft", usage={"characters": 999}, cached=True)  # free either way
    ledger.record("elevenlabs", "m", "tts", "final", usage={"characters": 500})
    ledger.record("diffusers", "sd", "image", "draft", usage={"images": 1, "size": "512x512"})
    ledger.record("diffusers", "sd", "image", "draft", usage={"images": 1, "size": "1024x1792"})
    prices = PriceTable.load(tmp_path / "absent.json")
    # 1584 characters at each list price (e.g. $15 per 1M: $0.02376)
    assert ledger.drafts_at(prices.price("elevenlabs", "eleven_multilingual_v2")) == _at_list_price(
        "elevenlabs", "eleven_multilingual_v2", 1584)
    assert ledger.drafts_at(prices.price("openai-tts", "tts-1")) == _at_list_price("openai-tts", "tts-1", 1584)
    # 512×512 is not sold: priced at the cheapest size ($0.040); 1024×1792 at its own ($0.080)
    assert ledger.drafts_at(prices.price("openai-image", "dall-e-3")) == Decimal("0.12")


def test_no_file_the_studio_wrote_and_no_log_line_holds_a_key(tmp_path, paid_fakes, keys, eleven_fake, openai_fake, caplog):
    project = tmp_path / "project"
    log_file = paid_fakes / "studio.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(handler)
    old_level, root.level = root.level, logging.DEBUG
    try:
        ledger = Ledger(project)
        budget = Budget(ledger, "5")
        eleven, openai = eleven_engine(eleven_fake), speech_engine(openai_fake)
        _paid(ledger, budget, project, eleven, TEXT)
        _paid(ledger, budget, project, openai, TEXT)
        openai_fake.script(Fault(status=429), Fault(status=400, body=f'{{"error": {{"message": "bad key {KEY}"}}}}'.encode()))
        with pytest.raises(HostedError) as caught:
            _paid(ledger, budget, project, openai, TEXT)
        logging.getLogger("studio").error("render failed: %s (%s)", caught.value, caught.value.detail)
        eleven_fake.key = "another"  # now the server refuses and echoes the key it got
        with pytest.raises(HostedError) as refused:
            _paid(ledger, budget, project, eleven, TEXT)
        logging.getLogger("studio").error("render failed: %s (%s)", refused.value, refused.value.detail)
    finally:
        root.removeHandler(handler)
        handler.close()
        root.level = old_level

    written = [p for folder in (project, paid_fakes) for p in folder.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"ledger.jsonl", "studio.log", "prices.json"}
    assert any(p.suffix == ".wav" for p in written)
    for path in written:
        data = path.read_bytes()
        assert KEY.encode() not in data and ELEVEN_KEY.encode() not in data, path
    assert "[redacted]" in str(caught.value) and "[redacted]" in str(refused.value)
    assert KEY not in caplog.text and ELEVEN_KEY not in caplog.text
