"""Engines for any server that speaks OpenAI's HTTP API: speech, images, transcription.

The base URL decides where the work happens: `https://api.openai.com/v1` (paid, with
the creator's OpenAI key) or a server the creator runs on a bigger machine, such as
Kokoro-FastAPI (`http://gpu-box:8880/v1`), speaches, LocalAI or vLLM (free unless
prices.json says otherwise). The OpenAI key is only ever sent to OpenAI's own host;
another host has a key of its own, or none.
"""

from __future__ import annotations

import base64
import io
import os
import struct
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from studio.engines.base import Audio, Cost, RenderRequest, TaskState
from studio.engines.hosted import HostedEngine, HostedSpeech
from studio.engines.hosted.http import HostedError, MalformedReply, Reply
from studio.engines.images import ImageRequest, Picture, as_rgb, image_digest, new_seed
from studio.money.prices import Quote, Usage
from studio.engines.stt import SAMPLE_RATE, Segment, Transcript, Word
from studio.errors import EngineError

OPENAI_URL = "https://api.openai.com/v1"
OPENAI_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")


class OpenAICompatible(HostedEngine):
    """What the three engines share: OpenAI's address by default, and its key only there."""

    provider_host = "api.openai.com"
    provider_name = "OpenAI"
    key_for_provider = "openai"
    key_for_others = "openai-compatible"
    default_url_env = "STITCH_OPENAI_BASE_URL"
    default_url = OPENAI_URL


class OpenAISpeechEngine(HostedSpeech, OpenAICompatible):
    """`/audio/speech`: text to a take (WAV asked for; MP3 read too, for servers that ignore the format)."""

    id = "openai-tts"
    label = "OpenAI-compatible speech"
    default_model = "tts-1"
    max_characters = 4096

    def __init__(self, store=None, *, voice: str | None = None, voices=None, response_format: str = "wav",
                 base_urls=None, per_server: int = 2, **kw):
        urls = [str(u).rstrip("/") for u in (base_urls or []) if str(u).strip()]
        if urls and not kw.get("base_url"):
            kw["base_url"] = urls[0]
        super().__init__(store, **kw)
        self._voices = tuple(voices) if voices else ((voice,) if voice and not self.official else OPENAI_VOICES)
        self._voice = voice or self._voices[0]
        self.output_format = response_format
        self.pool = None
        if urls:
            # `[engines.openai-tts] base_urls = [...]`: the same model on several servers. Each take's request
            # names the first server (base_url when given), so its cache key is the same whichever one said it.
            from studio.engines.hosted.http import Retries
            from studio.engines.hosted.servers import ServerPool

            child = {**kw, "retries": kw.get("retries") or Retries(attempts=2)}  # the other servers are the retry
            servers = list(dict.fromkeys([self.base_url, *urls]))
            self.pool = ServerPool([OpenAISpeechEngine(store, voice=voice, voices=voices, response_format=response_format,
                                                       **{**child, "base_url": url}) for url in servers], per_server)
            self.label = f"Speech from {len(servers)} servers ({self.model_name})"

    @property
    def parallel(self) -> int:
        """Requests render-all may have under way at once: one, or every server's share of a pool."""
        return self.pool.parallel if self.pool is not None else 1

    @property
    def paid(self) -> bool:
        if self.pool is not None and len(self.pool.engines) > 1:
            return any(engine.paid for engine in self.pool.engines)
        return super().paid

    def unload(self) -> None:
        super().unload()
        for engine in self.pool.engines if self.pool is not None else ():
            engine.unload()

    def synthesize(self, request: RenderRequest, state: TaskState) -> Audio:
        if self.pool is not None:
            return self.pool.run(lambda engine: engine._synthesize(request, state), state)
        return self._synthesize(request, state)

    def _synthesize(self, request: RenderRequest, state: TaskState) -> Audio:
        self.check_text(request)
        body = {
            "model": request.model,
            "input": request.text,
            "voice": request.voice,
            "response_format": dict(request.extra).get("format", "wav"),
            "speed": min(4.0, max(0.25, float(request.speed))),
        }
        state.set_progress(0.05, f"Waiting for {self.client.name}")
        reply = self.client.call("POST", "audio/speech", state, json=body)
        usage = self.usage(request)
        try:
            audio = decode_audio(reply, self.client.name)
        except HostedError as exc:
            # The call was completed, so it was billed: the characters sent, at the price list's rate.
            exc.charged, exc.charge_source = self.charge(request.model, usage), "price list"
            raise
        # OpenAI bills the characters sent and reports no figure: the price list's is it.
        audio.info.update(
            g2p="", host=self.host, attempts=reply.attempts, usage=usage.to_dict(),
            charged=str(self.charge(request.model, usage)), charge_source="price list",
        )
        state.set_progress(1.0, "Done")
        return audio


class OpenAIImageEngine(OpenAICompatible):
    """`/images/generations` and `/images/edits` behind the ImageEngine protocol."""

    id = "openai-image"
    task = "image"
    label = "OpenAI-compatible images"
    default_model = "dall-e-3"
    kind = "image"

    def __init__(self, store=None, *, size: str = "1024x1024", quality: str = "", **kw):
        super().__init__(store, **kw)
        self.width, self.height = (int(side) for side in size.lower().split("x"))
        self.quality = quality  # "hd", "low", "medium", "high" or "" for the service's default

    def request(self, prompt: str, *, seed=None, width=None, height=None, steps=None, guidance=None,
                negative_prompt: str = "", source=None, source_name: str = "", strength: float = 0.6) -> ImageRequest:
        # The service ignores seeds, steps and guidance; a seed still tells two takes apart.
        # An edit takes no strength either (the prompt decides how much changes): the request
        # records 1.0, what the service does, so a local slider value cannot refuse the call.
        return ImageRequest(
            self.id, self.model_name, self.host, prompt, new_seed() if seed is None else int(seed),
            int(width or self.width), int(height or self.height), 1, 0.0,
            negative_prompt=negative_prompt, strength=1.0,
            source_digest=image_digest(source) if source is not None else "", source=source_name,
            extra=(("quality", self.quality),) if self.quality else (),
        )

    def usage(self, request: ImageRequest) -> Usage:
        return Usage(images=1, size=f"{request.width}x{request.height}", quality=dict(request.extra).get("quality", ""))

    def expected_seconds(self, request: ImageRequest) -> float:
        return 15.0

    def text_to_image(self, request: ImageRequest, state: TaskState) -> Picture:
        body = self._form(request)
        if not self.model_name.startswith("gpt-image"):
            body["response_format"] = "b64_json"  # gpt-image models always answer in base64
        reply = self.client.call("POST", "images/generations", state, json=body)
        return self._picture(reply, request, state)

    def image_to_image(self, request: ImageRequest, image, state: TaskState) -> Picture:
        from studio.engines.pngmeta import png_bytes

        files = {"image": ("image.png", png_bytes(as_rgb(image), {}), "image/png")}
        data = {k: str(v) for k, v in self._form(request).items()}
        reply = self.client.call("POST", "images/edits", state, data=data, files=files)
        return self._picture(reply, request, state)

    def _form(self, request: ImageRequest) -> dict:
        body = {"model": request.model, "prompt": request.prompt, "n": 1, "size": f"{request.width}x{request.height}"}
        if dict(request.extra).get("quality"):
            body["quality"] = dict(request.extra)["quality"]
        return body

    def _picture(self, reply: Reply, request: ImageRequest, state: TaskState) -> Picture:
        items = _json(reply, self.client.name, "a list of images").get("data")
        item = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        if isinstance(item.get("b64_json"), str):
            try:
                data = base64.b64decode(item["b64_json"], validate=True)
            except ValueError:
                raise _malformed(self.client.name, "an image that is not valid base64") from None
        elif isinstance(item.get("url"), str):
            same_host = urlsplit(item["url"]).netloc in ("", self.host)
            data = self.client.call("GET", item["url"], state, with_key=same_host).body
        else:
            raise _malformed(self.client.name, "no image in the reply")
        kind = image_format(data, self.client.name)
        usage = self.usage(request)
        info = dict(host=self.host, format=kind, attempts=reply.attempts, usage=usage.to_dict(),
                    charged=str(self.charge(request.model, usage)), charge_source="images returned")
        return Picture(_pixels(data, self.client.name), info)


class OpenAITranscriptionEngine(OpenAICompatible):
    """`/audio/transcriptions` (verbose_json, word timings) behind the TranscriptionEngine protocol."""

    id = "openai-stt"
    task = "stt"
    label = "OpenAI-compatible transcription"
    default_model = "whisper-1"
    kind = "transcription"

    def usage(self, seconds_of_audio: float) -> Usage:
        return Usage(audio_seconds=round(max(0.0, float(seconds_of_audio)), 3))

    def quote(self, seconds_of_audio: float) -> Quote:
        usage = self.usage(seconds_of_audio)
        return Quote(self.charge(self.model_name, usage), usage, self.paid)

    def estimate(self, seconds_of_audio: float) -> Cost:
        return Cost(float(self.quote(seconds_of_audio).money), 2.0 + float(seconds_of_audio) / 10.0)

    def transcribe(self, audio, state: TaskState, *, language: str | None = None, word_timestamps: bool = True) -> Transcript:
        name, data, sent_seconds = _upload(audio)
        form = {"model": self.model_name, "response_format": "verbose_json"}
        if word_timestamps:
            form["timestamp_granularities[]"] = ["word", "segment"]
        if language:
            form["language"] = language
        state.set_progress(0.05, f"Waiting for {self.client.name}")
        reply = self.client.call("POST", "audio/transcriptions", state, data=form, files={"file": (name, data)})
        body = _json(reply, self.client.name, "a transcript")
        try:
            words = [Word(str(w["word"]).strip(), float(w["start"]), float(w["end"])) for w in body.get("words") or []]
            segments = [(float(s["start"]), float(s["end"]), str(s["text"]).strip()) for s in body.get("segments") or []]
            text, duration = str(body["text"]).strip(), float(body.get("duration") or 0.0)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _malformed(self.client.name, "a transcript without text or timings") from None
        state.set_progress(1.0, "Done")
        return Transcript(text, str(body.get("language", "")), duration or sent_seconds, _segments(text, segments, words, duration))


def _upload(audio) -> tuple[str, bytes, float]:
    """A file as it is (the service reads most formats), an array as a 16 kHz WAV."""
    if isinstance(audio, (str, os.PathLike)):
        path = Path(audio)
        try:
            return path.name, path.read_bytes(), 0.0
        except OSError as exc:
            raise EngineError(f"{path.name} could not be read ({exc.strerror}): check that the file is still there.") from None
    from studio.engines.media import as_samples

    samples = as_samples(audio, SAMPLE_RATE)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1, 1,
                         SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16, b"data", len(pcm))
    return "audio.wav", header + pcm, len(samples) / SAMPLE_RATE


def _segments(text: str, spans: list, words: list[Word], duration: float) -> list[Segment]:
    """Segments with their words: the API lists words apart from segments."""
    if not spans:
        return [Segment(text, 0.0, duration or (words[-1].end if words else 0.0), words)] if text else []
    segments = [Segment(t, start, end, []) for start, end, t in spans]
    for word in words:
        home = next((s for s in segments if word.start < s.end), segments[-1])
        home.words.append(word)
    return segments


# -- reading what servers send back --------------------------------------------------


# What a take from a server may be: anything outside is damage or hostility, never saved.
AUDIO_RATES = (4000, 384000)  # samples per second
MAX_AUDIO_SECONDS = 1800.0  # far more than the longest line a speech API accepts


def decode_audio(reply: Reply, name: str, *, pcm_rate: int | None = None, mp3_rate: int = 24000) -> Audio:
    """WAV, MP3 (through ffmpeg), or raw 16-bit PCM when `pcm_rate` says so, to Audio.

    The audio is checked before anyone saves it: a sane sample rate, some samples and not
    absurdly many, every sample a finite number."""
    body = reply.body
    try:
        if body[:4] == b"RIFF" and body[8:12] == b"WAVE":
            samples, rate = _wav(body)
            kind = "wav"
        elif body[:3] == b"ID3" or reply.content_type in ("audio/mpeg", "audio/mp3") or (
            # An MP3 frame's sync word; raw PCM asked for may start with those bytes too.
            not pcm_rate and len(body) > 1 and body[0] == 0xFF and body[1] & 0xE0 == 0xE0
        ):
            samples, rate, kind = _mp3(body, mp3_rate), mp3_rate, "mp3"
        elif pcm_rate and body and len(body) % 2 == 0 and not reply.content_type.startswith(("application/json", "text/")):
            samples, rate, kind = np.frombuffer(body, "<i2").astype(np.float32) / 32768.0, pcm_rate, "pcm"
        else:
            raise ValueError("not audio")
    except (ValueError, struct.error) as exc:
        raise _malformed(name, f"expected audio, got {_describe(reply)}", str(exc)) from None
    low, high = AUDIO_RATES
    if not low <= rate <= high:
        raise _malformed(name, f"audio that says it has {rate:,} samples a second")
    if len(samples) == 0:
        raise _malformed(name, "the audio is empty")
    if len(samples) / rate > MAX_AUDIO_SECONDS:
        raise _malformed(name, f"{len(samples) / rate / 3600:.1f} hours of audio for one line")
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if not np.isfinite(samples).all():
        raise _malformed(name, "audio whose samples are not all numbers")
    return Audio(samples, int(rate), {"format": kind})


def image_format(data: bytes, name: str) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise _malformed(name, "expected a PNG, JPEG or WebP image")


def _pixels(data: bytes, name: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        raise _malformed(name, "an image that could not be decoded") from None


def _wav(body: bytes) -> tuple[np.ndarray, int]:
    # A WAV streamed by a server often declares an unknown (0 or 0xFFFFFFFF) data size.
    pos, fmt = 12, None
    while pos + 8 <= len(body):
        chunk, size = body[pos : pos + 4], struct.unpack("<I", body[pos + 4 : pos + 8])[0]
        start = pos + 8
        if chunk == b"fmt ":
            fmt = body[start : start + size]
        elif chunk == b"data":
            if fmt is None or len(fmt) < 16:
                raise ValueError("a WAV without a format chunk")
            end = len(body) if size in (0, 0xFFFFFFFF) or start + size > len(body) else start + size
            return _pcm(fmt, body[start:end])
        pos = start + size + (size & 1)
    raise ValueError("a WAV without audio data")


def _pcm(fmt: bytes, data: bytes) -> tuple[np.ndarray, int]:
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
        tag = struct.unpack("<H", fmt[24:26])[0]
    kinds = {(1, 16): ("<i2", 32768.0), (1, 32): ("<i4", 2147483648.0), (3, 32): ("<f4", 1.0), (1, 8): ("u1", 128.0)}
    if (tag, bits) not in kinds or channels < 1 or rate < 1 or align < 1:
        raise ValueError(f"a WAV encoding the studio does not read (format {tag}, {bits} bits)")
    dtype, scale = kinds[(tag, bits)]
    frames = np.frombuffer(data[: len(data) // align * align], dtype).astype(np.float32)
    if dtype == "u1":
        frames -= 128.0
    with np.errstate(invalid="ignore", over="ignore"):  # NaN or huge floats: refused by decode_audio
        frames /= scale
        return (frames if channels == 1 else frames.reshape(-1, channels).mean(axis=1)), rate


def _mp3(body: bytes, rate: int) -> np.ndarray:
    import subprocess

    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
               "-f", "f32le", "-ac", "1", "-ar", str(rate), "pipe:1"]
    try:
        done = subprocess.run(command, input=body, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValueError(f"ffmpeg could not decode the MP3 ({exc.__class__.__name__})") from None
    if done.returncode != 0 or not done.stdout:
        raise ValueError("an MP3 ffmpeg could not decode")
    return np.frombuffer(done.stdout, "<f4")


def _json(reply: Reply, name: str, what: str) -> dict:
    import json

    try:
        data = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _malformed(name, f"expected {what} as JSON, got {_describe(reply)}") from None
    if not isinstance(data, dict):
        raise _malformed(name, f"expected {what} as a JSON object")
    return data


def _describe(reply: Reply) -> str:
    return f"{reply.content_type or 'an untyped reply'} of {len(reply.body)} bytes"


def _malformed(name: str, what: str, detail: str = "") -> MalformedReply:
    return MalformedReply(
        f"{name} sent back a reply the studio could not read ({what}): check that its address "
        "in Settings is right, then render again.",
        detail=detail,
    )
