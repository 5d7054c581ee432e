"""API keys: environment first, then the keyring; never shown, never written."""

from __future__ import annotations

import pytest

from studio.engines import secrets
from studio.engines.secrets import ApiKey, KeyringUnavailable, MissingKey, get_key, redact, require_key


class MemoryKeyring:
    """A keyring backend in memory, so no test touches the machine's real keyring."""

    def __init__(self):
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1
            store: dict = {}

            def get_password(self, service, username):
                return self.store.get((service, username))

            def set_password(self, service, username, password):
                self.store[(service, username)] = password

            def delete_password(self, service, username):
                import keyring.errors

                if (service, username) not in self.store:
                    raise keyring.errors.PasswordDeleteError("not found")
                del self.store[(service, username)]

        self.backend = Backend()


@pytest.fixture
def memory_keyring():
    import keyring

    before = keyring.get_keyring()
    backend = MemoryKeyring().backend
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring():
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_the_environment_comes_first_then_the_keyring(memory_keyring, monkeypatch):
    secrets.set_key("openai", "sk-from-keyring-1234567890")
    assert memory_keyring.store == {("stitch-studio", "openai"): "sk-from-keyring-1234567890"}
    assert get_key("openai").reveal() == "sk-from-keyring-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0987654321")
    assert get_key("openai").reveal() == "sk-from-env-0987654321"
    monkeypatch.setenv("STITCH_OPENAI_API_KEY", "sk-studio-only-5555555")
    assert get_key("openai").reveal() == "sk-studio-only-5555555"
    secrets.delete_key("openai")
    secrets.delete_key("openai")  # nothing stored: not an error
    monkeypatch.delenv("STITCH_OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert get_key("openai") is None


def test_a_machine_without_a_keyring_gets_a_sentence_not_a_crash(no_keyring, monkeypatch):
    assert get_key("elevenlabs") is None
    with pytest.raises(KeyringUnavailable, match="no keyring .* environment variable"):
        secrets.set_key("elevenlabs", "xi-abcdefgh12345678")
    with pytest.raises(MissingKey, match="no API key for ElevenLabs: enter it in Settings, or set STITCH_ELEVENLABS_API_KEY"):
        require_key("elevenlabs")
    monkeypatch.setenv("ELEVENLABS_API_KEY", "xi-abcdefgh12345678")
    assert require_key("elevenlabs").reveal() == "xi-abcdefgh12345678"


def test_another_hosts_key_is_its_own():
    assert secrets.env_names("openai-compatible:gpu-box:8880") == ("STITCH_OPENAI_COMPATIBLE_API_KEY",)
    assert secrets.service_name("openai-compatible:gpu-box:8880") == "the server at gpu-box:8880"


def test_a_key_never_shows_itself():
    key = ApiKey("sk-live-ABCDEFGH12345678")
    assert "ABCDEFGH" not in repr(key) + str(key) + f"{key}" + repr([key])
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)


def test_redact_removes_the_key_and_anything_shaped_like_one():
    text = "Incorrect API key provided: sk-live-ABCDEFGH12345678 (Bearer abcdefgh12345678, sk-proj-****wxyz)"
    out = redact(text, "sk-live-ABCDEFGH12345678")
    assert "ABCDEFGH" not in out and "abcdefgh1234" not in out and "wxyz" not in out
    assert out.startswith("Incorrect API key provided: [redacted]")
    assert redact("a plain sentence about skies", None) == "a plain sentence about skies"


def test_engines_do_not_show_their_key_in_reprs():
    from studio.engines.hosted.elevenlabs import ElevenLabsEngine
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine

    for engine in (OpenAISpeechEngine(api_key="sk-live-ABCDEFGH12345678"), ElevenLabsEngine(api_key="sk-live-ABCDEFGH12345678")):
        shown = repr(engine) + repr(engine.client) + repr(vars(engine)) + repr(vars(engine.client))
        assert "ABCDEFGH" not in shown
