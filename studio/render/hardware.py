"""Hardware video encoders, where the bundled ffmpeg has one and the machine can run it.

ffmpeg lists the encoders it was built with (`-encoders`); whether one works here
depends on the machine (a GPU, its driver, a render node), so each listed one is
tried once by encoding a few frames, and the answer is kept for the rest of the
session. An export that asks for one (or for "fastest") gets it when it works, and
x264 otherwise, with a sentence saying so; a hardware encoder that fails in the
middle of an export hands over to x264 the same way.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading

from studio.render import ffmpeg

CANDIDATES = ("h264_nvenc", "h264_qsv", "h264_vaapi", "h264_videotoolbox")
LABELS = {
    "libx264": "x264 (software)", "h264_nvenc": "NVIDIA NVENC", "h264_qsv": "Intel Quick Sync",
    "h264_vaapi": "VA-API", "h264_videotoolbox": "Apple VideoToolbox",
}
FASTEST = "fastest"
VAAPI_DEVICE = "/dev/dri/renderD128"
_TEST_FRAMES = 8
_lock = threading.Lock()
_listed: dict[str, frozenset[str]] = {}
_works: dict[tuple[str, str], bool] = {}


def listed(exe: str | None = None) -> frozenset[str]:
    """The hardware H.264 encoders the bundled ffmpeg was built with."""
    exe = exe or ffmpeg.ffmpeg_exe()
    with _lock:
        if exe not in _listed:
            try:
                said = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True,
                                      timeout=30, creationflags=ffmpeg.NO_WINDOW).stdout
            except (OSError, subprocess.SubprocessError):
                said = ""
            _listed[exe] = parse_encoders(said)
        return _listed[exe]


def parse_encoders(said: str) -> frozenset[str]:
    """Hardware H.264 encoders named in ffmpeg's `-encoders` list (" V....D h264_nvenc  NVIDIA ...")."""
    names = set()
    for line in said.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("V") and parts[1] in CANDIDATES:
            names.add(parts[1])
    return frozenset(names)


def works(name: str, exe: str | None = None) -> bool:
    """Whether `name` encodes here: a test encode of a few frames, once a session."""
    exe = exe or ffmpeg.ffmpeg_exe()
    with _lock:
        if (exe, name) in _works:
            return _works[(exe, name)]
    ok = name in listed(exe) and _test_encode(exe, name)
    with _lock:
        _works[(exe, name)] = ok
    return ok


def _test_encode(exe: str, name: str) -> bool:
    command = [exe, "-hide_banner", "-loglevel", "error", "-nostdin", *_device_args(name), "-f", "lavfi",
               "-i", "testsrc2=size=256x256:rate=30", "-frames:v", str(_TEST_FRAMES), *_filter_args(name),
               "-c:v", name, "-f", "null", "-"]
    with tempfile.TemporaryFile() as errors:
        try:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=errors, timeout=60,
                                  creationflags=ffmpeg.NO_WINDOW)
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


def available(exe: str | None = None) -> list[str]:
    """The hardware encoders that work here, in CANDIDATES order."""
    return [name for name in CANDIDATES if name in listed(exe) and works(name, exe)]


def choose(wanted: str, state=None) -> tuple[str, str]:
    """(the encoder to use, a sentence when it is not the one asked for) for "fastest", a name, or x264."""
    if wanted in ("libx264", "", None):
        return "libx264", ""
    if state is not None:
        state.set_progress(0.0, "Trying the hardware encoders")
    if wanted == FASTEST:
        found = available()
        return (found[0], "") if found else ("libx264", "")
    if wanted not in CANDIDATES:
        return "libx264", f"The studio knows no encoder called {wanted!r}, so x264 encoded this export."
    if works(wanted):
        return wanted, ""
    why = "is not in the studio's ffmpeg" if wanted not in listed() else "did not work on this machine"
    return "libx264", f"{LABELS[wanted]} {why} (a test encode failed), so x264 encoded this export instead."


def fallback_note(name: str, failure: Exception) -> str:
    with _lock:
        _works[(ffmpeg.ffmpeg_exe(), name)] = False  # not tried again this session
    return f"{LABELS.get(name, name)} stopped partway ({failure}), so x264 encoded this export instead."


def _device_args(name: str) -> list[str]:
    return ["-vaapi_device", VAAPI_DEVICE] if name == "h264_vaapi" else []


def _filter_args(name: str) -> list[str]:
    return ["-vf", "format=nv12,hwupload"] if name == "h264_vaapi" else []


def encoder_args(name: str, preset) -> list[str]:
    """Output options for a hardware encoder, at about the quality of the preset's x264 crf."""
    q = str(preset.crf + 2)
    if name == "h264_nvenc":
        return ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-cq", q, "-b:v", "0", "-pix_fmt", "yuv420p"]
    if name == "h264_qsv":
        return ["-c:v", "h264_qsv", "-global_quality", q, "-pix_fmt", "nv12"]
    if name == "h264_vaapi":
        # -vaapi_device is a global option: ffmpeg takes it wherever it stands on the line.
        return [*_device_args(name), *_filter_args(name), "-c:v", "h264_vaapi", "-qp", q]
    if name == "h264_videotoolbox":
        return ["-c:v", "h264_videotoolbox", "-b:v", "10M", "-pix_fmt", "yuv420p"]
    raise ValueError(f"not a hardware encoder: {name!r}")


__all__ = ["CANDIDATES", "FASTEST", "LABELS", "available", "choose", "encoder_args", "fallback_note", "listed",
           "parse_encoders", "works"]
