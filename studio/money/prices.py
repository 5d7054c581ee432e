"""Prices of hosted engines, as data: `resources/prices.json`, overridden by the creator.

Each model has a unit (per character, per image of a size, per audio minute), the
price per `per` units, the date it was checked and the page it came from. A
`prices.json` in the studio's settings folder wins, model by model, so a creator on
another plan (or a provider that changed its prices) can correct a figure without
waiting for a release. Money is `Decimal`, rounded to the micro-dollar.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from studio.errors import StudioError

BUILT_IN = Path(__file__).resolve().parents[2] / "resources" / "prices.json"
MICRO = Decimal("0.000001")
RECHECK_SECONDS = 1.0  # how stale an edit of the creator's price file may be
UNITS = ("character", "image", "audio minute", "token")


class PriceError(StudioError):
    """A price is missing, or a price file cannot be read."""


def money(value) -> Decimal:
    """Dollars as a Decimal rounded to the micro-dollar (floats go through their repr)."""
    if isinstance(value, Decimal):
        d = value
    else:
        d = Decimal(repr(value) if isinstance(value, float) else str(value))
    return d.quantize(MICRO, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """"$12.40"; under a dollar up to four places ("$0.0138"), as cents would read as free."""
    value = money(value)
    sign, value = ("-" if value < 0 else ""), abs(value)
    if value == 0 or value >= 1:
        return f"{sign}${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    shown = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) or value
    whole, _, fraction = f"{shown.normalize():f}".partition(".")
    return f"{sign}${whole}.{fraction.ljust(2, '0')}"


@dataclass(frozen=True)
class Usage:
    """What a render uses, in the units providers bill."""

    characters: int = 0
    images: int = 0
    size: str = ""
    quality: str = ""
    audio_seconds: float = 0.0
    input_tokens: int = 0  # a language model's (planning): what was sent, what came back,
    output_tokens: int = 0
    cached_tokens: int = 0  # and how many of the input tokens the provider read from its cache

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}

    @classmethod
    def from_dict(cls, d: dict | None) -> "Usage":
        d = d or {}
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Price:
    engine: str
    model: str
    unit: str
    per: Decimal
    amount: Decimal = Decimal(0)  # per `per` units; for images see `sizes`
    sizes: dict = field(default_factory=dict)  # "1024x1024" or "hd 1024x1024" -> Decimal
    checked: str = ""
    source: str = ""
    rates: dict = field(default_factory=dict)  # per token kind: "input", "output", "cached_input" -> Decimal

    def cost(self, usage: Usage) -> Decimal:
        if self.unit == "token":
            cached = min(usage.cached_tokens, usage.input_tokens)
            rate = self.rates.get
            total = (rate("input", Decimal(0)) * (usage.input_tokens - cached)
                     + rate("cached_input", rate("input", Decimal(0))) * cached
                     + rate("output", Decimal(0)) * usage.output_tokens)
            return money(total / self.per)
        if self.unit == "character":
            return money(self.amount * usage.characters / self.per)
        if self.unit == "audio minute":
            return money(self.amount * Decimal(repr(float(usage.audio_seconds))) / 60 / self.per)
        return money(self.image_price(usage.size, usage.quality) * usage.images)

    def image_price(self, size: str, quality: str = "") -> Decimal:
        for key in (f"{quality} {size}".strip(), size):
            if key in self.sizes:
                return self.sizes[key] / self.per
        known = ", ".join(sorted(k for k in self.sizes if " " not in k))
        raise PriceError(
            f"There is no price for {size or 'this size'} images from {self.model}: pick one of "
            f"{known}, or add that size to prices.json in the studio's settings folder."
        )


@dataclass(frozen=True)
class Quote:
    """What a render is expected to cost, before it runs."""

    money: Decimal
    usage: Usage
    paid: bool


def _on_local_network(host: str) -> bool:
    import ipaddress

    if host == "localhost" or host.endswith((".localhost", ".local", ".lan", ".internal", ".home.arpa")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "." not in host  # a bare machine name on the LAN
    return address.is_private or address.is_loopback or address.is_link_local


def config_dir() -> Path:
    # studio.settings.config_dir, repeated: engines may not import the settings layer.
    env = os.environ.get("STITCH_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("StitchStudio", appauthor=False))


class PriceTable:
    def __init__(self, data: dict):
        self.data = data
        self._known: dict = {}  # answers already worked out; a changed file makes a new table

    @classmethod
    def load(cls, override: Path | None = None) -> "PriceTable":
        """The built-in prices with the creator's file (default: the settings folder) on top."""
        override = _default_override(os.environ.get("STITCH_CONFIG_DIR")) if override is None else Path(override)
        cached = _CACHE.get(override)
        now = time.monotonic()
        if cached is not None and now - cached[2] < RECHECK_SECONDS:
            return cached[1]
        stamp = _stamp(override)
        if cached is not None and cached[0] == stamp:
            _CACHE[override] = (stamp, cached[1], now)
            return cached[1]
        data = _read(BUILT_IN, "The studio's price list")
        if stamp is not None:
            data = _merge(data, _read(override, f"{override}"))
        table = cls(data)
        _CACHE[override] = (stamp, table, now)
        return table

    def engine(self, engine: str) -> dict:
        return self.data.get("engines", {}).get(engine, {})

    def is_paid(self, engine: str, base_url: str) -> bool:
        """Whether calls to `base_url` cost money.

        The provider's own hosts are paid; a server on this machine or the local network
        is free; any other host counts as paid (it needs a price, so the budget holds)
        unless prices.json lists it under the engine's `free_hosts`."""
        known = self._known.get(("paid", engine, base_url))
        if known is not None:
            return known
        host = (urlsplit(base_url).hostname or "").lower()
        entry = self.engine(engine)
        if host in {h.lower() for h in entry.get("paid_hosts", [])}:
            paid = True
        elif host in {h.lower() for h in entry.get("free_hosts", [])}:
            paid = False
        else:
            paid = not _on_local_network(host)
        self._known[("paid", engine, base_url)] = paid
        return paid

    def price(self, engine: str, model: str) -> Price:
        known = self._known.get((engine, model))
        if known is None:
            known = self._known[(engine, model)] = self._price(engine, model)
        return known

    def _price(self, engine: str, model: str) -> Price:
        entry = self.engine(engine).get("models", {}).get(model)
        if entry is None:
            service = self.engine(engine).get("service", engine)
            raise PriceError(
                f"There is no price for {service} model '{model}', so the budget cannot be "
                "checked: add it to prices.json in the studio's settings folder, or pick a listed model."
            )
        try:
            unit = entry["unit"]
            if unit not in UNITS:
                raise ValueError(unit)
            return Price(
                engine,
                model,
                unit,
                Decimal(str(entry.get("per", 1))),
                Decimal(str(entry.get("price", "0"))),
                {k: Decimal(str(v)) for k, v in entry.get("sizes", {}).items()},
                str(entry.get("checked", "")),
                str(entry.get("source", "")),
                {k: Decimal(str(entry[k])) for k in ("input", "output", "cached_input") if k in entry},
            )
        except (KeyError, ValueError, TypeError, InvalidOperation, AttributeError):
            raise PriceError(
                f"The price of {engine} model '{model}' in prices.json is not valid: give it a "
                f"unit ({', '.join(UNITS)}), a price and a 'per' count."
            ) from None


_CACHE: dict[Path, tuple] = {}


@lru_cache(maxsize=8)
def _default_override(env: str | None) -> Path:
    # Keyed on the variable, so a test (or a creator) that points it elsewhere is heard.
    return config_dir() / "prices.json"


def _stamp(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _read(path: Path, name: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PriceError(
            f"{name} ({path.name}) could not be read ({exc.__class__.__name__}): fix it or move "
            "it away to use the built-in prices; no paid render runs until then.",
            detail=str(exc),
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("engines", {}), dict):
        raise PriceError(
            f"{name} ({path.name}) does not hold an 'engines' table: fix it or move it away "
            "to use the built-in prices; no paid render runs until then."
        )
    return data


def _merge(base: dict, override: dict) -> dict:
    merged = {**base, "engines": {k: dict(v) for k, v in base.get("engines", {}).items()}}
    for engine, entry in override.get("engines", {}).items():
        if not isinstance(entry, dict):
            continue
        target = merged["engines"].setdefault(engine, {})
        models = {**target.get("models", {}), **entry.get("models", {})}
        target.update({k: v for k, v in entry.items() if k != "models"})
        target["models"] = models
    return merged
