"""API keys: from an environment variable or the OS keyring, never from a file of ours.

`get_key("openai")` looks at `STITCH_OPENAI_API_KEY`, then `OPENAI_API_KEY`, then the
keyring entry `("stitch-studio", "openai")`. A key is held as an `ApiKey`, whose repr
and str never show it, and every error or log line that could carry one goes through
`redact` first. keyring is imported on first use: it scans its backends at import.
"""

from __future__ import annotations

import re

from studio.errors import StudioError

KEYRING_SERVICE = "stitch-studio"

# The environment variables each service's own tools already read come second, so a
# creator who set OPENAI_API_KEY for the SDK does not have to enter it again.
_ENV = {
    "openai": ("STITCH_OPENAI_API_KEY", "OPENAI_API_KEY"),
    "elevenlabs": ("STITCH_ELEVENLABS_API_KEY", "ELEVENLABS_API_KEY", "XI_API_KEY"),
    "anthropic": ("STITCH_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"),
}
_NAMES = {"openai": "OpenAI", "elevenlabs": "ElevenLabs", "anthropic": "Anthropic"}

# Shapes of keys a server may echo back in part ("sk-proj-****abcd") or that a
# creator pasted into a field by mistake; redacted even when they are not our key.
_KEY_SHAPES = re.compile(
    r"(?i)\b(?:sk|xi|sk_|rk)-[A-Za-z0-9_\-*.]{6,}"  # sk-ant-... (Anthropic) too
    r"|\bsk_[A-Za-z0-9]{16,}"
    r"|(?<=Bearer )[A-Za-z0-9_\-.~+/=*]{8,}"
)
REDACTED = "[redacted]"


class KeyringUnavailable(StudioError):
    """The OS keyring cannot store or read keys on this machine."""


class MissingKey(StudioError):
    """No API key was found for a hosted service."""


class ApiKey:
    """A key that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(****)"

    __str__ = __repr__

    def __eq__(self, other) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("ApiKey", self._value))

    def __reduce__(self):
        raise TypeError("An API key is never pickled or copied to disk.")


def env_names(service: str) -> tuple[str, ...]:
    """The environment variables read for `service`, in order."""
    if service in _ENV:
        return _ENV[service]
    # "openai-compatible:api.example.com": another host never gets OPENAI_API_KEY.
    stem = re.sub(r"[^A-Z0-9]+", "_", service.split(":")[0].upper()).strip("_")
    return (f"STITCH_{stem}_API_KEY",)


def service_name(service: str) -> str:
    if service.startswith("openai-compatible:"):
        return f"the server at {service.split(':', 1)[1]}"
    return _NAMES.get(service, service)


def get_key(service: str) -> ApiKey | None:
    """The key for `service`, or None when neither the environment nor the keyring has one."""
    import os

    for name in env_names(service):
        value = os.environ.get(name, "").strip()
        if value:
            return ApiKey(value)
    try:
        value = _keyring().get_password(KEYRING_SERVICE, service)
    except KeyringUnavailable:
        return None
    except Exception:  # a locked or broken keyring reads as "no key here"
        return None
    return ApiKey(value) if value else None


def require_key(service: str) -> ApiKey:
    key = get_key(service)
    if key is not None:
        return key
    raise MissingKey(
        f"There is no API key for {service_name(service)}: enter it in Settings, or set "
        f"{env_names(service)[0]} in the environment before starting the studio."
    )


def set_key(service: str, key: str | ApiKey) -> None:
    value = key.reveal() if isinstance(key, ApiKey) else str(key).strip()
    if not value:
        raise StudioError("That key is empty: paste the whole key and save again.")
    try:
        _keyring().set_password(KEYRING_SERVICE, service, value)
    except KeyringUnavailable:
        raise
    except Exception as exc:
        raise _refused(service, "save", exc, value) from None


def delete_key(service: str) -> None:
    """Forget the keyring's key for `service`; no key stored is not an error."""
    try:
        keyring = _keyring()
        keyring.delete_password(KEYRING_SERVICE, service)
    except KeyringUnavailable:
        raise
    except Exception as exc:
        if type(exc).__name__ == "PasswordDeleteError":
            return
        raise _refused(service, "remove", exc) from None


def redact(text: str, *keys: str | ApiKey | None) -> str:
    """`text` with every given key, and anything shaped like a key, replaced."""
    if not text:
        return text
    for key in keys:
        value = key.reveal() if isinstance(key, ApiKey) else key
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise KeyringUnavailable(_NO_KEYRING) from None
    try:
        backend = keyring.get_keyring()
    except Exception:
        raise KeyringUnavailable(_NO_KEYRING) from None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        raise KeyringUnavailable(_NO_KEYRING)
    return keyring


_NO_KEYRING = (
    "This computer has no keyring the studio can use to keep API keys: set the key in an "
    "environment variable (for example OPENAI_API_KEY or ELEVENLABS_API_KEY) instead."
)


def _refused(service: str, verb: str, exc: Exception, *keys: str) -> StudioError:
    return StudioError(
        f"The keyring would not {verb} the {service_name(service)} key "
        f"({redact(type(exc).__name__)}): unlock the keyring and try again, "
        f"or set {env_names(service)[0]} in the environment instead.",
        detail=redact(str(exc), *keys),
    )
