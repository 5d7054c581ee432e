"""Fake hosted services on 127.0.0.1 that speak the real HTTP APIs, with scripted faults.

Each fake is a threaded `http.server` on an ephemeral port. It answers with real
audio (a generated tone as WAV, 16-bit PCM or MP3) and real PNG bytes, checks the
key the way the service does, counts every request, and plays a script of faults
(`fake.script(Fault(status=429, ...), Fault())`) one per request before going back
to normal answers.
"""

from __future__ import annotations

import base64
import http.server
import io
import json
import struct
import subprocess
import threading
import wave
import zlib
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import numpy as np

RATE = 24000


def tone(seconds: float, rate: int = RATE, pitch: float = 330.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def wav_bytes(samples: np.ndarray, rate: int = RATE, streamed: bool = False) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16(samples))
    data = buffer.getvalue()
    if streamed:  # what a server streaming WAV writes: sizes it did not know yet
        data = data[:4] + b"\xff\xff\xff\xff" + data[8:40] + b"\xff\xff\xff\xff" + data[44:]
    return data


def mp3_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate),
               "-ac", "1", "-i", "pipe:0", "-f", "mp3", "-b:a", "64k", "pipe:1"]
    return subprocess.run(command, input=pcm16(samples), capture_output=True, check=True).stdout


def png_bytes(width: int = 16, height: int = 8, rgb=(200, 40, 90)) -> bytes:
    """A real PNG (8-bit RGB) written by hand, with a gradient so rows differ."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (rgb[0], (rgb[1] + 9 * y) % 256, (rgb[2] + 5 * x) % 256))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class Fault:
    """One scripted answer. Defaults: the normal answer."""

    status: int = 200
    body: bytes | None = None  # None: the normal body (or a JSON error for status >= 400)
    headers: dict = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0  # silence before the status line
    stall: float = 0.0  # silence after the headers and the first half of the body
    cut: bool = False  # send the headers and half the body, then close


@dataclass
class Hit:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class FakeService:
    """Base of the fakes: the server, the hit log and the fault script."""

    key_header = "authorization"

    def __init__(self, key: str):
        self.key = key
        self.hits: list[Hit] = []
        self.faults: deque[Fault] = deque()
        self.released = threading.Event()  # set on stop: ends every delay and stall at once
        self.latency = 0.0  # seconds every request takes before it is answered (a server doing work)
        self.in_flight = 0
        self.most_at_once = 0  # the most requests it had under way at one time
        self._count_lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def __enter__(self):
        self._thread.start()
        return self

    def kill(self) -> None:
        """Stop answering at once: requests under way are dropped unanswered, new ones are refused."""
        self.__exit__()

    def __exit__(self, *exc):
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer(self, hit: Hit) -> tuple[int, bytes, str, dict]:
        raise NotImplementedError

    def key_given(self, hit: Hit) -> str:
        value = hit.headers.get(self.key_header, "")
        return value.removeprefix("Bearer ")

    def refuse_key(self, given: str) -> tuple[int, bytes, str, dict]:
        raise NotImplementedError


class FakeOpenAI(FakeService):
    """`/v1/audio/speech`, `/v1/images/generations|edits`, `/v1/audio/transcriptions`, `/files/*`."""

    def __init__(self, key: str, *, speech_format: str = "", images_as: str = "b64_json", image_host: str = ""):
        super().__init__(key)
        self.speech_format = speech_format  # "mp3": a server that ignores response_format
        self.images_as = images_as
        self.image_host = image_host  # where `url` answers point (another fake: a CDN)
        self.png = png_bytes()

    @staticmethod
    def speech_for(text: str) -> np.ndarray:
        return tone(0.02 * len(text) + 0.1)

    def refuse_key(self, given):
        body = {"error": {"message": f"Incorrect API key provided: {given}. You can find your API key at "
                          "https://platform.openai.com/account/api-keys.", "type": "invalid_request_error",
                          "code": "invalid_api_key"}}
        return 401, json.dumps(body).encode(), "application/json", {}

    def answer(self, hit):
        if hit.path.startswith("/files/"):
            return 200, self.png, "image/png", {}
        if self.key is not None and self.key_given(hit) != self.key:
            return self.refuse_key(self.key_given(hit))
        if hit.path == "/v1/audio/speech":
            body = hit.json()
            assert {"model", "input", "voice"} <= set(body), body
            samples = self.speech_for(body["input"])
            if self.speech_format == "mp3" or body.get("response_format") == "mp3":
                return 200, mp3_bytes(samples), "audio/mpeg", {}
            return 200, wav_bytes(samples, streamed=True), "audio/wav", {}
        if hit.path in ("/v1/images/generations", "/v1/images/edits"):
            if self.images_as == "url":
                item = {"url": f"{self.image_host or self.url}/files/take.png"}
            else:
                item = {"b64_json": base64.b64encode(self.png).decode()}
            return 200, json.dumps({"created": 1, "data": [item]}).encode(), "application/json", {}
        if hit.path == "/v1/audio/transcriptions":
            words = [{"word": w, "start": 0.4 * i, "end": 0.4 * i + 0.3} for i, w in enumerate("every draft is free".split())]
            body = {"task": "transcribe", "language": "english", "duration": 95.0, "text": " Every draft is free.",
                    "words": words, "segments": [{"id": 0, "start": 0.0, "end": 1.6, "text": " Every draft is free."}]}
            return 200, json.dumps(body).encode(), "application/json", {}
        return 404, b'{"error": {"message": "Unknown request URL"}}', "application/json", {}


class FakeElevenLabs(FakeService):
    """`/v1/text-to-speech/{voice_id}?output_format=pcm_24000|mp3_44100_128`, billing in `character-cost`."""

    key_header = "xi-api-key"

    @staticmethod
    def speech_for(text: str, rate: int = RATE) -> np.ndarray:
        return tone(0.02 * len(text) + 0.1, rate, pitch=220.0)

    def refuse_key(self, given):
        body = {"detail": {"status": "invalid_api_key", "message": f"Invalid API key: {given}"}}
        return 401, json.dumps(body).encode(), "application/json", {}

    def answer(self, hit):
        if self.key_given(hit) != self.key:
            return self.refuse_key(self.key_given(hit))
        if not hit.path.startswith("/v1/text-to-speech/"):
            return 404, b'{"detail": "Not Found"}', "application/json", {}
        body = hit.json()
        fmt = hit.query.get("output_format", ["mp3_44100_128"])[0]
        charge = {"character-cost": str(len(body["text"])), "request-id": "req-1"}
        if fmt.startswith("pcm_"):
            rate = int(fmt.split("_")[1])
            return 200, pcm16(self.speech_for(body["text"], rate)), "audio/pcm", charge
        return 200, mp3_bytes(self.speech_for(body["text"], 44100), 44100), "audio/mpeg", charge


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        fake: FakeService = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        hit = Hit(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                  self.rfile.read(length))
        fake.hits.append(hit)
        with fake._count_lock:
            fake.in_flight += 1
            fake.most_at_once = max(fake.most_at_once, fake.in_flight)
        try:
            self._answer(fake, hit)
        finally:
            with fake._count_lock:
                fake.in_flight -= 1

    def _answer(self, fake: "FakeService", hit: Hit):
        fault = fake.faults.popleft() if fake.faults else Fault()
        if fake.released.is_set() or (fake.latency and fake.released.wait(fake.latency)):
            self.close_connection = True
            return
        if fault.delay and fake.released.wait(fault.delay):
            return
        status, body, ctype, headers = fake.answer(hit)
        if fault.status != 200:
            status, headers = fault.status, {}
            body = json.dumps({"error": {"message": f"Scripted {status}", "type": "server_error"}}).encode()
            ctype = "application/json"
        if fault.body is not None:
            body = fault.body
        ctype = fault.content_type or ctype
        headers = {**headers, **fault.headers}
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if fault.cut or fault.stall:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if fault.cut:
                    self.close_connection = True
                    return
                if fake.released.wait(fault.stall):
                    return
                self.wfile.write(body[len(body) // 2 :])
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
