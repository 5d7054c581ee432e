"""Ledger lines edited by hand into something else are skipped and counted, never trusted:
a NaN or negative charge would let the budget admit money it does not have."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.money.prices import Price
from studio.money.ledger import LEDGER, Budget, BudgetExceeded, Entry, Ledger

BAD_LINES = {
    "a list": "[1, 2]",
    "a string": '"x"',
    "null": "null",
    "a NaN charge": '{"engine":"e","model":"m","task":"tts","tier":"final","charged":"NaN"}',
    "a negative charge": '{"engine":"e","model":"m","task":"tts","tier":"final","charged":"-50"}',
    "seconds as text": '{"engine":"e","model":"m","task":"tts","tier":"draft","seconds":"abc"}',
    "NaN seconds": '{"engine":"e","model":"m","task":"tts","tier":"draft","seconds":NaN}',
    "cached as text": '{"engine":"e","model":"m","task":"tts","tier":"draft","cached":"yes"}',
    "usage as text": '{"engine":"e","model":"m","task":"tts","tier":"draft","usage":"x"}',
    "a count as text": '{"engine":"e","model":"m","task":"tts","tier":"draft","usage":{"characters":"many"}}',
}


@pytest.mark.parametrize("bad", list(BAD_LINES))
def test_a_damaged_line_is_skipped_and_the_budget_still_holds(tmp_path, bad):
    paid = Entry("openai-tts", "tts-1", "tts", "final", charged=Decimal("4"), charge_source="provider")
    draft = Entry("kokoro-onnx", "kokoro", "tts", "draft", seconds=2.0, usage={"characters": 1000})
    (tmp_path / ".stitch").mkdir()
    raw = paid.to_line() + BAD_LINES[bad].encode() + b"\n" + draft.to_line()
    (tmp_path / LEDGER).write_bytes(raw)

    ledger = Ledger(tmp_path)
    assert ledger.spent() == Decimal("4") and ledger.damaged == 1
    totals = ledger.totals("tier")
    assert totals["final"].renders == 1 and totals["draft"].seconds == 2.0
    assert ledger.drafts_at(Price("x", "m", "character", Decimal(1000), Decimal("0.03"))) == Decimal("0.03")
    with pytest.raises(BudgetExceeded, match="over by"):
        Budget(ledger, 5).check(Decimal("2"))
    ledger.record("kokoro-onnx", "kokoro", "tts", "draft")
    assert len(ledger.entries()) == 3
    assert (tmp_path / LEDGER).read_bytes().startswith(raw)  # the damaged line is left as it was
