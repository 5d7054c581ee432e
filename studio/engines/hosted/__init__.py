"""Hosted engines: HTTP clients for OpenAI-compatible servers and ElevenLabs.

`http.py` holds the HTTP side they share (timeouts, retries, cancel, error sentences);
`HostedEngine` below, the engine side (address, key, price), and `HostedSpeech` what
every hosted voice shares; each engine file speaks one API. httpx is imported on
first use.
"""

from __future__ import annotations

import os
from decimal import Decimal
from urllib.parse import urlsplit

from studio.engines.base import Cost, ModelRef, RenderRequest
from studio.engines.hosted.http import HostedClient, Retries, Timeouts
from studio.money.prices import PriceTable, Quote, Usage
from studio.engines.secrets import ApiKey, env_names, get_key, require_key, service_name
from studio.errors import EngineError


class HostedEngine:
    """An engine whose work happens on a server: its address, its key, its price.

    The provider's key (`key_for_provider`) goes only to the provider's own host;
    any other address has a key of its own (`<key_for_others>:<host>`), or none.
    A paid address needs a key and a price before anything is sent.
    """

    id = ""
    task = ""
    local = False
    label = ""  # the class's says what it is; an instance's says where it renders
    kind = ""  # "speech", "image", "transcription": for labels and sentences
    default_model = ""
    provider_host = ""
    provider_name = ""
    key_for_provider = ""
    key_for_others = ""
    default_url = ""
    default_url_env = ""

    def __init__(
        self,
        store=None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | ApiKey | None = None,
        key_service: str | None = None,
        paid: bool | None = None,
        prices: PriceTable | None = None,
        timeouts: Timeouts = Timeouts(),
        retries: Retries = Retries(),
        trust_env: bool = True,
    ):
        url = base_url or os.environ.get(self.default_url_env or "-", "") or self.default_url
        self.base_url = url.rstrip("/")
        self.model_name = model or self.default_model
        parts = urlsplit(self.base_url)
        self.host = parts.netloc or self.base_url
        self.official = parts.hostname == self.provider_host
        self.key_service = key_service or (
            self.key_for_provider if self.official else f"{self.key_for_others}:{self.host}"
        )
        self._api_key = ApiKey(api_key) if isinstance(api_key, str) else api_key
        self._paid = paid
        self._prices = prices
        name = self.provider_name if self.official else f"the {self.kind} server at {self.host}"
        where = self.provider_name if self.official else f"server at {self.host}"
        self.label = f"{self.kind.capitalize()} from {where} ({self.model_name})"
        service = service_name(self.key_service)
        # "the OpenAI key", but "the key for the server at ..." (never "the the server").
        whose = f"the key for {service}" if service.startswith("the ") else f"the {service} key"
        key_help = f"check {whose} in Settings (or {env_names(self.key_service)[0]})"
        self.client = HostedClient(
            name, self.base_url, key=self._key, auth=self.auth_headers, key_help=key_help,
            timeouts=timeouts, retries=retries, trust_env=trust_env,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, model={self.model_name!r})"

    @property
    def paid(self) -> bool:
        return self._paid if self._paid is not None else self.prices().is_paid(self.id, self.base_url)

    def prices(self) -> PriceTable:
        return self._prices or PriceTable.load()

    def model(self) -> ModelRef:
        return ModelRef(self.model_name, self.host)

    def auth_headers(self, key: str) -> dict:
        return {"Authorization": f"Bearer {key}"}

    def usage(self, request) -> Usage:
        raise NotImplementedError

    def expected_seconds(self, request) -> float:
        return 2.0

    def quote(self, request) -> Quote:
        """The money `request` should cost, from the price list; nothing when not paid."""
        usage = self.usage(request)
        return Quote(self.charge(request.model, usage), usage, self.paid)

    def estimate(self, request) -> Cost:
        return Cost(float(self.quote(request).money), self.expected_seconds(request))

    def charge(self, model: str, usage: Usage) -> Decimal:
        """Money for `usage` at the price list's rate (0 at a free address)."""
        return self.prices().price(self.id, model).cost(usage) if self.paid else Decimal(0)

    def load(self, state) -> None:
        """Nothing to load: the model lives on the server."""

    def unload(self) -> None:
        self.client.close()

    def _key(self) -> ApiKey | None:
        if self._api_key is not None:
            return self._api_key
        return require_key(self.key_service) if self.official or self.paid else get_key(self.key_service)


class HostedSpeech(HostedEngine):
    """Text to speech on a server: voices by name, the server's own G2P, billed per character."""

    task = "tts"
    kind = "speech"
    max_characters = 4096  # the most one request may hold
    output_format = ""  # part of the request: an MP3 take is not the WAV one
    _voices: tuple[str, ...] = ()
    _voice = ""

    def voices(self) -> list[str]:
        return list(self._voices)

    def default_voice(self) -> str:
        return self._voice

    def g2p_name(self) -> str:
        return ""  # the server turns text into sounds itself

    def request(self, text: str, voice: str, speed: float) -> RenderRequest:
        return RenderRequest(
            self.id, self.model_name, self.host, voice or self._voice, float(speed), text,
            extra=(("format", self.output_format),),
        )

    def usage(self, request: RenderRequest) -> Usage:
        return Usage(characters=len(request.text))

    def expected_seconds(self, request: RenderRequest) -> float:
        return 1.0 + len(request.text) / 60.0

    def check_text(self, request: RenderRequest) -> None:
        """Refuse, before any traffic, a line the service would refuse."""
        text = request.text.strip()
        if not text:
            raise EngineError("This line is empty: write something to hear it.")
        if len(text) > self.max_characters:
            raise EngineError(
                f"This line has {len(text)} characters, more than the {self.max_characters} one request to "
                f"{self.provider_name if self.official else self.client.name} may hold: split it into shorter lines."
            )
