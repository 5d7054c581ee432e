"""G2P: which converter is chosen here, what it makes of text, and that it never downloads."""

from __future__ import annotations

import importlib.util
import threading

import pytest

from studio.engines import g2p as g2p_module
from studio.engines.g2p import ESPEAK_NG, G2P, choose_g2p


@pytest.fixture
def no_spacy_download(monkeypatch):
    import spacy.cli

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("spacy.cli.download was called")

    monkeypatch.setattr(spacy.cli, "download", refuse)
    return calls


@pytest.fixture
def fresh_choice(monkeypatch):
    """Make choose_g2p build its converter again in this test, and restore the cached one after."""
    monkeypatch.setattr(g2p_module, "_chosen", None)


def test_espeak_ng_is_chosen_without_spacys_english_model(no_spacy_download, fresh_choice):
    assert importlib.util.find_spec("en_core_web_sm") is None  # this machine's premise
    assert G2P.available_name() == ESPEAK_NG
    g2p = choose_g2p()
    assert g2p.name == ESPEAK_NG
    assert choose_g2p() is g2p  # built once
    assert no_spacy_download == []


def test_a_spacy_model_that_is_importable_but_not_installed_never_triggers_a_download(
    monkeypatch, no_spacy_download, fresh_choice
):
    # find_spec says yes, spaCy's package check says no: misaki would download; we must not.
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "en_core_web_sm":
            return real_find_spec("json")
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(g2p_module.importlib.util, "find_spec", find_spec)
    assert G2P.available_name() == "misaki+spacy"
    assert choose_g2p().name == ESPEAK_NG
    assert no_spacy_download == []


def test_hello_world_becomes_kokoro_phonemes(no_spacy_download):
    phonemes = choose_g2p().phonemize("Hello world")
    assert phonemes == "həlˈO wˈɜɹld"
    vocab = set("həlˈOwɜɹd ")
    assert set(phonemes) <= vocab


def test_text_with_nothing_speakable_gives_an_empty_string():
    g2p = choose_g2p()
    for text in ("", "😀🎉", "...!? —", "مرحبا بالعالم", "שלום עולם", "你好。"):
        assert g2p.phonemize(text) == "", text


def test_emoji_are_not_read_out_by_name():
    g2p = choose_g2p()
    assert g2p.phonemize("Hello 😀 world!") == g2p.phonemize("Hello world!")


def test_phonemize_is_safe_from_many_threads():
    g2p = choose_g2p()
    sentences = [f"Sentence number {i} is about the quick brown fox." for i in range(40)]
    expected = [g2p.phonemize(s) for s in sentences]
    results: dict[int, str] = {}

    def work(offset):
        for i in range(offset, len(sentences), 4):
            results[i] = g2p.phonemize(sentences[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(sentences))] == expected
