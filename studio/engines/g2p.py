"""English text to Kokoro phonemes, with whichever converter this machine can run offline.

misaki with spaCy (best: part-of-speech aware) when `en_core_web_sm` is installed;
otherwise misaki's espeak-ng G2P, with espeak-ng itself from `espeakng-loader`.
misaki would download spaCy's model when it is missing: it is never given the chance.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from contextlib import contextmanager
from typing import Callable

from studio.engines.text import has_speech, speakable_text, spell_out
from studio.errors import EngineError

log = logging.getLogger(__name__)

MISAKI_SPACY = "misaki+spacy"
ESPEAK_NG = "espeak-ng"
_SPACY_MODEL = "en_core_web_sm"

# espeak-ng's English IPA to the American phoneme set Kokoro was trained on: the
# same substitutions misaki's EspeakFallback makes for out-of-vocabulary words.
_US_ENGLISH = (
    ("ɜːɹ", "ɜɹ"), ("ɜː", "ɜɹ"), ("ɪə", "iə"), ("ː", ""), ("o", "ɔ"), ("ɾ", "T"), ("ʔ", "t"),
    ("ɹɹ", "ɹ"),  # espeak-ng links "water is" as "ɚɹ", which the line above made "əɹɹ"
)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class G2P:
    """A grapheme-to-phoneme converter. `phonemize` is safe to call from any thread."""

    def __init__(self, name: str, convert: Callable[[str], str]):
        self.name = name
        self._convert = convert
        self._lock = threading.Lock()

    @staticmethod
    def available_name() -> str:
        """Which converter `choose_g2p` would pick, found without importing misaki ('' if none)."""
        if not _installed("misaki"):
            return ""
        if _installed(_SPACY_MODEL) and _installed("spacy"):
            return MISAKI_SPACY
        if _installed("espeakng_loader") and _installed("phonemizer"):
            return ESPEAK_NG
        return ""

    def phonemize(self, text: str) -> str:
        """Kokoro phonemes for `text`; '' when nothing in it can be spoken."""
        text = speakable_text(text)
        if not text:
            return ""
        with self._lock:
            phonemes = self._convert(text)
        phonemes = " ".join((phonemes or "").split())
        return phonemes if has_speech(phonemes) else ""


_chosen: G2P | None = None
_choose_lock = threading.Lock()


def choose_g2p() -> G2P:
    """The best converter available here, built once per process."""
    global _chosen
    with _choose_lock:
        if _chosen is None:
            _chosen = _build()
        return _chosen


def chosen_name() -> str:
    """The name of the converter in use, or of the one that would be chosen."""
    return _chosen.name if _chosen is not None else G2P.available_name()


def _build() -> G2P:
    if _installed(_SPACY_MODEL):
        try:
            return _misaki_spacy()
        except Exception as exc:  # a broken spaCy install: espeak-ng still speaks
            log.warning("misaki with spaCy could not start (%r); using espeak-ng", exc)
    try:
        return _espeak()
    except Exception as exc:
        raise EngineError(
            "No English phonemizer works on this machine: reinstall the speech packages with "
            "`pip install \"misaki[en]\" espeakng-loader`.",
            detail=repr(exc),
        ) from exc


def _misaki_spacy() -> G2P:
    import spacy.util

    if not spacy.util.is_package(_SPACY_MODEL):
        raise RuntimeError(f"{_SPACY_MODEL} is importable but not installed as a package")
    from misaki import en, espeak

    with _no_spacy_download():
        g2p = en.G2P(trf=False, british=False, fallback=espeak.EspeakFallback(british=False), unk="")
    return G2P(MISAKI_SPACY, lambda text: g2p(text)[0])


@contextmanager
def _no_spacy_download():
    """misaki calls spacy.cli.download when it cannot find the model: make that fail, not fetch."""
    import spacy.cli

    def refuse(*args, **kwargs):
        raise RuntimeError("downloading spaCy models is disabled in Stitch Studio")

    original = spacy.cli.download
    spacy.cli.download = refuse
    try:
        yield
    finally:
        spacy.cli.download = original


def _espeak() -> G2P:
    import espeakng_loader
    from phonemizer.backend.espeak.wrapper import EspeakWrapper

    # misaki.espeak sets these on import too; setting them first keeps the bundled
    # espeak-ng even if a later misaki stops doing so.
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    from misaki.espeak import EspeakFallback, EspeakG2P

    g2p = EspeakG2P(language="en-us")
    e2m = EspeakFallback.E2M

    def convert(text: str) -> str:
        phonemes = g2p(spell_out(text))[0]
        for old, new in e2m:
            phonemes = phonemes.replace(old, new)
        phonemes = re.sub(r"(\S)\u0329", r"ᵊ\1", phonemes).replace("\u0329", "")
        for old, new in _US_ENGLISH:
            phonemes = phonemes.replace(old, new)
        return phonemes

    return G2P(ESPEAK_NG, convert)
