"""Running the bundled ffmpeg: where it is, how a run is stopped, and what its failures mean.

imageio-ffmpeg ships one ffmpeg binary (no ffprobe, no system ffmpeg needed). Its
stderr goes to a temporary file rather than a pipe: a long complaint could fill a
pipe and stall ffmpeg while we wait on it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from studio.engines.base import TaskState
from studio.errors import Cancelled
from studio.render.errors import ExportFailed

# No console window flashing up on Windows for each run.
NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0)


def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the package or its binary is missing or broken
        raise ExportFailed(
            "The studio's ffmpeg is missing, so nothing can be exported: reinstall Stitch Studio.",
            detail=repr(exc),
        ) from exc


def partial_path(out_path: Path) -> Path:
    """A hidden name beside the final file; renamed over it only when the file is complete."""
    out_path = Path(out_path)
    return out_path.with_name(f".{out_path.stem}.{uuid.uuid4().hex[:8]}.partial{out_path.suffix}")


def remove_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def failure(what: str, out_path: Path | None, ffmpeg_says: str, returncode: int | None = None) -> ExportFailed:
    """Turn ffmpeg's complaint into one sentence; the complaint itself goes to `detail`."""
    said = ffmpeg_says.lower()
    where = f" in {Path(out_path).parent}" if out_path is not None else ""
    if "no space left" in said:
        message = f"The disk is full, so {what} stopped: free some space{where} and export again."
    elif "permission denied" in said or "read-only file system" in said:
        message = f"The studio may not write{where}, so {what} stopped: choose another folder."
    elif "unknown encoder" in said or "encoder not found" in said:
        message = f"The studio's ffmpeg lacks an encoder that {what} needs: reinstall Stitch Studio."
    else:
        last = next((line for line in reversed(ffmpeg_says.strip().splitlines()) if line.strip()), "")
        reason = f" ({last.strip()[:160]})" if last else f" (exit code {returncode})"
        message = f"ffmpeg could not finish {what}{reason}: try again, and report it if it happens again."
    return ExportFailed(message, detail=tail(ffmpeg_says))


def run(command: list[str], what: str, out_path: Path | None = None, state: TaskState | None = None,
        stdin=subprocess.DEVNULL) -> str:
    """Run ffmpeg to the end; kill it if `state` is cancelled. Returns what it printed on stderr."""
    with tempfile.TemporaryFile() as errors:
        process = start(command, what, errors, stdin=stdin)
        while process.poll() is None:
            if state is not None and state.is_cancelled():
                stop(process)
                raise Cancelled()
            time.sleep(0.05)
        said = read_back(errors)
    if process.returncode != 0:
        raise failure(what, out_path, said, process.returncode)
    return said


def start(command: list[str], what: str, errors, stdin=subprocess.DEVNULL,
          stdout=subprocess.DEVNULL, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """Start ffmpeg; `pass_fds` (POSIX) are further pipe ends it reads as pipe:N."""
    try:
        return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=errors, creationflags=NO_WINDOW,
                                pass_fds=pass_fds)
    except OSError as exc:
        raise ExportFailed(
            f"The studio's ffmpeg could not start, so {what} did not happen: reinstall Stitch Studio.",
            detail=repr(exc),
        ) from exc


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def read_back(errors) -> str:
    errors.seek(0)
    return errors.read().decode("utf-8", "replace")
