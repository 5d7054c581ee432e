"""ElevenLabs text to speech: `POST /v1/text-to-speech/{voice_id}` with an xi-api-key.

Audio comes back as raw 16-bit PCM (`pcm_24000`, the default: no decoder needed) or
MP3. ElevenLabs bills characters and says how many in a `character-cost` header
(some versions and proxies: `x-character-count`); when it does, that count, not our
own, is what the ledger records as charged, even for a call that failed or was
cancelled after the header arrived.
"""

from __future__ import annotations

from urllib.parse import quote as quote_path

from studio.engines.base import Audio, RenderRequest, TaskState
from studio.engines.hosted import HostedSpeech
from studio.engines.hosted.http import CancelledCall, HostedError
from studio.engines.hosted.openai_compat import decode_audio
from studio.money.prices import Usage
from studio.errors import EngineError

ELEVENLABS_URL = "https://api.elevenlabs.io"
# Premade voices every account has ("Rachel", "Adam", "Bella", "Antoni").
PREMADE_VOICES = ("21m00Tcm4TlvDq8ikWAM", "pNInz6obpgDQGcFmaJgB", "EXAVITQu4vr4xnSDxMaL", "ErXwobaYiN019PkySvjV")
OUTPUT_FORMATS = {"pcm_16000": 16000, "pcm_22050": 22050, "pcm_24000": 24000, "pcm_44100": 44100,
                  "mp3_22050_32": 22050, "mp3_44100_64": 44100, "mp3_44100_128": 44100}
CHARGE_HEADERS = ("character-cost", "x-character-count", "x-character-cost")


class ElevenLabsEngine(HostedSpeech):
    id = "elevenlabs"
    label = "ElevenLabs speech"
    max_characters = 10000
    default_model = "eleven_multilingual_v2"
    provider_host = "api.elevenlabs.io"
    provider_name = "ElevenLabs"
    key_for_provider = "elevenlabs"
    key_for_others = "elevenlabs-compatible"
    default_url = ELEVENLABS_URL
    default_url_env = "STITCH_ELEVENLABS_BASE_URL"

    def __init__(self, store=None, *, voice: str | None = None, voices=None, output_format: str = "pcm_24000", **kw):
        super().__init__(store, **kw)
        if output_format not in OUTPUT_FORMATS:
            raise EngineError(
                f"ElevenLabs has no output format '{output_format}' the studio reads: use one of "
                f"{', '.join(OUTPUT_FORMATS)}."
            )
        self._voices = tuple(voices) if voices else PREMADE_VOICES
        self._voice = voice or self._voices[0]
        self.output_format = output_format

    def auth_headers(self, key: str) -> dict:
        return {"xi-api-key": key}

    def expected_seconds(self, request: RenderRequest) -> float:
        return 1.0 + len(request.text) / 80.0

    def synthesize(self, request: RenderRequest, state: TaskState) -> Audio:
        self.check_text(request)
        fmt = dict(request.extra).get("format", self.output_format)
        body = {"text": request.text, "model_id": request.model}
        if abs(request.speed - 1.0) > 1e-6:
            body["voice_settings"] = {"speed": min(1.2, max(0.7, float(request.speed)))}
        path = f"v1/text-to-speech/{quote_path(request.voice, safe='')}"
        state.set_progress(0.05, f"Waiting for {self.client.name}")
        try:
            reply = self.client.call("POST", path, state, params={"output_format": fmt}, json=body)
        except (HostedError, CancelledCall) as exc:
            exc.charged = self._reported(request, exc.headers)
            raise
        rate = OUTPUT_FORMATS[fmt]
        try:
            audio = decode_audio(reply, self.client.name, pcm_rate=rate if fmt.startswith("pcm") else None, mp3_rate=rate)
        except HostedError as exc:
            # The call was completed, so it was billed: what ElevenLabs reported, else the price list.
            reported = self._reported(request, reply.headers)
            exc.charged = reported if reported is not None else self.charge(request.model, self.usage(request))
            exc.charge_source = "provider" if reported is not None else "price list"
            raise
        reported = self._reported(request, reply.headers)
        usage = self.usage(request)
        audio.info.update(
            g2p="", host=self.host, attempts=reply.attempts, usage=usage.to_dict(),
            charged=str(reported if reported is not None else self.charge(request.model, usage)),
            charge_source="provider" if reported is not None else "price list",
        )
        state.set_progress(1.0, "Done")
        return audio

    def _reported(self, request: RenderRequest, headers: dict):
        """Money for the characters ElevenLabs says it billed; None when it did not say."""
        for name in CHARGE_HEADERS:
            value = (headers or {}).get(name, "").strip()
            if value.isdigit():
                return self.charge(request.model, Usage(characters=int(value)))
        return None
