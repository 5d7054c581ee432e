"""The candidate engine a comparison tries, and the settings the creator gives it.

`parse_settings` reads `voice=jf_nezumi,speed=1.1,model=tts-1` (the CLI's `--set`, the
window's Settings field); `Candidate` splits them into what goes into each request
(voice, speed) and what configures the engine. A setting named like a key is refused:
keys never go on a command line.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from studio.errors import StudioError

REQUEST_KEYS = ("voice", "speed")  # what `--set` changes in each request; the rest configures the engine


def parse_settings(text: str | list[str] | None) -> dict:
    """`voice=jf_nezumi,speed=1.1,model=tts-1` (or several such) as a dict; numbers become numbers."""
    pieces = [text] if isinstance(text, str) else list(text or [])
    settings: dict[str, Any] = {}
    for piece in pieces:
        for part in (p.strip() for p in piece.split(",")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise StudioError(f"'{part}' is not a setting: write it as name=value, such as voice=jf_nezumi.")
            if any(word in name.lower() for word in ("key", "token", "secret", "password")):
                raise StudioError(f"'{name}' looks like an API key, and keys never go on a command line: "
                                  "run `studio keys set SERVICE` instead.")
            settings[name] = _value(value)
    if "speed" in settings:
        try:
            settings["speed"] = float(settings["speed"])
        except (TypeError, ValueError):
            raise StudioError(f"speed must be a number such as 1.1, not '{settings['speed']}'.") from None
    return settings


def _value(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@dataclass(frozen=True)
class Candidate:
    engine: str
    settings: dict = field(default_factory=dict)  # voice and speed for the requests, the rest for the engine

    @property
    def voice(self) -> str:
        return str(self.settings.get("voice", "") or "")

    @property
    def speed(self) -> float | None:
        value = self.settings.get("speed")
        return float(value) if value is not None else None

    def engine_settings(self, base: dict) -> dict:
        extra = {k: v for k, v in self.settings.items() if k not in REQUEST_KEYS}
        return {**base, **extra}

    def slug(self) -> str:
        name = self.engine + (f"-{self.voice}" if self.voice else "")
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:60] or "candidate"



def takes_setting(factory, name: str) -> bool:
    """Whether an engine's factory takes a setting by this name (a server's voice, say)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in params
