"""Prices as data: estimates match figures worked out by hand; the creator's file wins."""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest

from studio.engines.hosted.elevenlabs import ElevenLabsEngine
from studio.engines.hosted.openai_compat import OpenAIImageEngine, OpenAISpeechEngine, OpenAITranscriptionEngine
from studio.money.prices import BUILT_IN, PriceError, PriceTable, Usage, format_money


def test_estimates_match_hand_computed_figures():
    speech = OpenAISpeechEngine()  # api.openai.com: paid, priced from resources/prices.json
    text = "x" * 1234
    # tts-1: $15.00 per 1M characters → 1234 × 15 / 1,000,000 = $0.01851
    assert speech.quote(speech.request(text, "alloy", 1.0)).money == Decimal("0.01851")
    # tts-1-hd: $30.00 per 1M → $0.03702
    hd = OpenAISpeechEngine(model="tts-1-hd")
    assert hd.quote(hd.request(text, "alloy", 1.0)).money == Decimal("0.03702")
    # ElevenLabs multilingual v2: $0.12 per 1K characters → 1234 × 0.12 / 1000 = $0.14808
    eleven = ElevenLabsEngine()
    assert eleven.quote(eleven.request(text, "", 1.0)).money == Decimal("0.14808")
    assert eleven.estimate(eleven.request(text, "", 1.0)).money == pytest.approx(0.14808)
    # Flash v2.5: one credit per two characters, $0.06 per 1K → $0.07404
    flash = ElevenLabsEngine(model="eleven_flash_v2_5")
    assert flash.quote(flash.request(text, "", 1.0)).money == Decimal("0.07404")
    # dall-e-3 1024×1792 standard $0.080; hd $0.120
    images = OpenAIImageEngine()
    assert images.quote(images.request("a", width=1024, height=1792)).money == Decimal("0.08")
    hd_images = OpenAIImageEngine(quality="hd")
    assert hd_images.quote(hd_images.request("a", width=1024, height=1792)).money == Decimal("0.12")
    # whisper-1: $0.006 per minute → 95 s = $0.0095
    assert OpenAITranscriptionEngine().quote(95).money == Decimal("0.0095")
    # gpt-4o-transcribe: the same $0.006 a minute; gpt-4o-mini-tts: about $16 per 1M characters → $0.019744
    assert OpenAITranscriptionEngine(model="gpt-4o-transcribe").quote(95).money == Decimal("0.0095")
    mini = OpenAISpeechEngine(model="gpt-4o-mini-tts")
    assert mini.quote(mini.request(text, "alloy", 1.0)).money == Decimal("0.019744")


def test_every_built_in_price_says_when_and_where_it_was_checked():
    data = json.loads(BUILT_IN.read_text(encoding="utf-8"))
    table = PriceTable(data)
    for engine, entry in data["engines"].items():
        for model in entry["models"]:
            price = table.price(engine, model)
            assert price.checked and price.source.startswith("https://"), (engine, model)
            assert price.amount > 0 or price.sizes or (price.unit == "token" and price.rates.get("input", 0) > 0)


def test_the_creators_file_wins_model_by_model(tmp_path, monkeypatch):
    from studio.money import prices

    monkeypatch.setattr(prices, "RECHECK_SECONDS", 0.0)  # look at the file's stamp on every load
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"engines": {
        "openai-tts": {"models": {"tts-1": {"unit": "character", "per": 1000000, "price": "12.00", "checked": "2026-11-01", "source": "https://example.test"}}},
        "elevenlabs": {"free_hosts": ["voice-box.example"]},
    }}), encoding="utf-8")
    table = PriceTable.load(override)
    assert table.price("openai-tts", "tts-1").cost(Usage(characters=1234)) == Decimal("0.014808")
    assert table.price("openai-tts", "tts-1-hd").amount == Decimal("30.00")  # untouched
    assert not table.is_paid("elevenlabs", "https://voice-box.example/")
    override.write_text(json.dumps({"engines": {}}), encoding="utf-8")
    os.utime(override, ns=(1, 1))  # a new stamp: the table is read again
    assert PriceTable.load(override).price("openai-tts", "tts-1").amount == Decimal("15.00")


def test_the_settings_folder_file_is_the_default_override(monkeypatch, tmp_path):
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "prices.json").write_text('{"engines": {"openai-tts": {"models": {"tts-1": '
                                          '{"unit": "character", "per": 1000, "price": "1"}}}}}')
    speech = OpenAISpeechEngine()
    assert speech.quote(speech.request("abcd", "alloy", 1.0)).money == Decimal("0.004")


def test_a_damaged_price_file_and_a_missing_price_give_sentences(tmp_path):
    override = tmp_path / "prices.json"
    override.write_text("{ not json", encoding="utf-8")
    with pytest.raises(PriceError, match="could not be read .* no paid render runs until then"):
        PriceTable.load(override)
    with pytest.raises(PriceError, match="no price for OpenAI model 'tts-9'.*add it to prices.json"):
        PriceTable.load(tmp_path / "absent.json").price("openai-tts", "tts-9")
    with pytest.raises(PriceError, match="no price for 640x480 images from dall-e-3: pick one of 1024x1024"):
        PriceTable.load(tmp_path / "absent.json").price("openai-image", "dall-e-3").cost(Usage(images=1, size="640x480"))


@pytest.mark.parametrize(
    "url, paid",
    [
        ("https://api.openai.com/v1", True),
        ("http://127.0.0.1:8880/v1", False),
        ("http://localhost:8880/v1", False),
        ("http://192.168.1.20:8000/v1", False),
        ("http://gpu-box:8000/v1", False),
        ("http://gpu-box.local:8000/v1", False),
        ("https://api.some-other-host.com/v1", True),  # unknown public hosts need a price
    ],
)
def test_which_addresses_cost_money(url, paid, tmp_path):
    assert PriceTable.load(tmp_path / "absent.json").is_paid("openai-tts", url) is paid


def test_money_reads_as_cents_or_as_the_fraction_of_a_cent_it_is():
    assert format_money(Decimal("0.37")) == "$0.37"
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("0.0019")) == "$0.0019"
    assert format_money(Decimal("0")) == "$0.00"
