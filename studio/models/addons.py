"""The torch engines (Kokoro on torch, diffusers) as an add-on, installed on first use.

The installed studio is the light bundle (packaging/README.md): torch is left out because its
right build depends on the machine (NVIDIA CUDA, AMD ROCm on Linux, Apple MPS, else CPU) and
weighs 0.3 to 5 GB. When the creator agrees, `uv pip install --target` puts torch, kokoro and
diffusers into an add-ons folder in the platform's data folder, never the install folder. A
frozen app has no pip, so the bundle carries uv's static binary. The folder goes first on
`sys.path` at start-up of the frozen app and right after an install; the engine modules already
in the bundle then find torch. First, because a package both carry (huggingface_hub, numpy, ...)
is complete in the add-on but holds in the bundle only the submodules the light app imports; the
add-on's copies are the bundle's versions (`--constraints` from `bundle-constraints.txt`, which
the spec writes at build time).

Only an install that finished leaves `installed.json` (written atomically, with the versions);
a cancelled or failed one leaves no folder behind.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import queue
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from studio import __version__
from studio.progress import NullState
from studio.errors import Cancelled, StudioError
from studio.pins import pins
from studio.storage import atomic_write_json, atomic_write_text, read_json

MARKER = "installed.json"
BUNDLE_CONSTRAINTS = "bundle-constraints.txt"  # in the frozen app's _internal/, from the spec
FOLDER = "torch-engines"
PYPI = "https://pypi.org/simple"
PYTORCH_INDEX = "https://download.pytorch.org/whl"

# The versions come from requirements.lock, the same pins as the development environment, so the
# add-on runs the code the tests ran.
PACKAGES = pins("torch", "kokoro", "diffusers", "transformers", "accelerate")
ENGINES = ("kokoro", "diffusers")


@dataclass(frozen=True)
class Flavour:
    """One build of torch: where its wheels come from and roughly what it weighs."""

    id: str
    label: str
    index_url: str | None  # an extra index searched before PyPI; None: PyPI's own wheels
    download_mb: int  # estimates (wheels for PACKAGES and their dependencies), shown before asking
    disk_mb: int

    def size(self) -> str:
        return f"about {_gb(self.download_mb)} to download, {_gb(self.disk_mb)} on disk"


FLAVOURS = {
    "cuda": Flavour("cuda", "NVIDIA CUDA 12.8", f"{PYTORCH_INDEX}/cu128", 3300, 5200),
    "rocm": Flavour("rocm", "AMD ROCm 6.4", f"{PYTORCH_INDEX}/rocm6.4", 3600, 7000),
    "mps": Flavour("mps", "Apple silicon (Metal)", None, 350, 1000),
    "cpu": Flavour("cpu", "CPU only", f"{PYTORCH_INDEX}/cpu", 390, 1300),  # measured: packaging/README.md
}


def _gb(mb: int) -> str:
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb} MB"


def detect(*, system: str | None = None, machine: str | None = None, which=shutil.which) -> Flavour:
    """The torch build for this machine: a driver tool on PATH says which GPU can be used."""
    system = system or sys.platform
    machine = (machine or platform.machine()).lower()
    if system == "darwin":
        return FLAVOURS["mps" if machine in ("arm64", "aarch64") else "cpu"]
    if which("nvidia-smi"):
        return FLAVOURS["cuda"]
    if system.startswith("linux") and which("rocminfo"):
        return FLAVOURS["rocm"]
    return FLAVOURS["cpu"]


def python_platform(*, system: str | None = None, machine: str | None = None) -> str:
    """uv's `--python-platform` for this machine (the wheels must fit the bundle, not uv's guess)."""
    system = system or sys.platform
    machine = (machine or platform.machine()).lower()
    arch = "aarch64" if machine in ("arm64", "aarch64") else "x86_64"
    if system == "darwin":
        return f"{arch}-apple-darwin"
    if system == "win32":
        return f"{arch}-pc-windows-msvc"
    return f"{arch}-manylinux_2_28"


def addons_root() -> Path:
    """`$STITCH_ADDONS_DIR`, else `<platform data folder>/addons`."""
    env = os.environ.get("STITCH_ADDONS_DIR")
    if env:
        return Path(env)
    from studio.settings import data_dir

    return data_dir() / "addons"


@dataclass(frozen=True)
class Plan:
    """What one install does; `plan()` makes the real one, tests point it at a local index."""

    flavour: Flavour
    root: Path
    packages: tuple[str, ...] = PACKAGES
    index_url: str = PYPI
    python_version: str = f"{sys.version_info.major}.{sys.version_info.minor}"
    python_platform: str = field(default_factory=python_platform)
    flavour_index: bool = True  # False with a mirror that serves torch too
    find_links: tuple[str, ...] = ()  # folders or pages of wheels also searched (offline/mirror installs)

    @property
    def target(self) -> Path:
        return self.root / FOLDER

    def indexes(self) -> list[str]:
        # uv asks extra indexes first: torch (and what that index mirrors) comes from it, the rest from PyPI.
        extra = [self.flavour.index_url] if self.flavour.index_url and self.flavour_index else []
        return ["--index-url", self.index_url, *(arg for url in extra for arg in ("--extra-index-url", url)),
                *(arg for place in self.find_links for arg in ("--find-links", place))]


def plan(flavour: str | None = None, root: Path | None = None) -> Plan:
    """The install for this machine.

    For offline and mirror installs: `$STITCH_ADDONS_INDEX_URL` names a mirror serving every package
    (the PyTorch index is then not asked), and `$STITCH_ADDONS_FIND_LINKS` (whitespace-separated
    folders or URLs of wheels, as pip's `--find-links`) adds wheels on disk, e.g. a torch wheel
    downloaded once. A local wheel like `torch-2.13.0+cpu` satisfies the `torch==2.13.0` pin and
    sorts above the index's `2.13.0`, so it is the one taken.
    """
    chosen = detect() if flavour is None else FLAVOURS.get(flavour)
    if chosen is None:
        raise StudioError(f"There is no torch build called {flavour!r}: choose one of {', '.join(FLAVOURS)}.")
    root = Path(root) if root else addons_root()
    links = tuple(os.environ.get("STITCH_ADDONS_FIND_LINKS", "").split())
    for place in links:
        if "://" not in place and not Path(place).is_dir():
            raise StudioError(f"The wheel folder {place} named by STITCH_ADDONS_FIND_LINKS is not there: "
                              "fix the variable or unset it.")
    mirror = os.environ.get("STITCH_ADDONS_INDEX_URL")
    if mirror:
        return Plan(chosen, root, index_url=mirror, flavour_index=False, find_links=links)
    return Plan(chosen, root, find_links=links)


def command(plan: Plan, uv: str, staging: Path, constraints: Path) -> list[str]:
    """The exact uv command line (shown by `studio models addons install --dry-run`)."""
    return [
        uv, "pip", "install", "--no-config", "--color", "never",
        "--target", str(staging),
        "--python", plan.python_version,  # uv needs an interpreter; it fetches one when none is here
        "--python-version", plan.python_version, "--python-platform", plan.python_platform,
        *plan.indexes(),
        "--constraints", str(constraints),
        *plan.packages,
    ]


def find_uv() -> str:
    """uv beside the frozen app (`_internal/bin/`), else in this interpreter's scripts folder or PATH."""
    name = "uv.exe" if sys.platform == "win32" else "uv"
    places = []
    if getattr(sys, "frozen", False):
        places.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "bin" / name)
    places.append(Path(sys.executable).parent / name)
    for place in places:
        if place.is_file():
            return str(place)
    found = shutil.which("uv")
    if found:
        return found
    raise StudioError("The add-on installer (uv) is missing, so the torch engines cannot be installed: "
                      "reinstall Stitch Studio (or `pip install uv` in a development checkout).")


@dataclass(frozen=True)
class Installed:
    """What `installed.json` says about a finished install."""

    path: Path
    flavour: str
    python: str
    packages: dict[str, str]
    installed_at: str

    def summary(self) -> str:
        flavour = FLAVOURS[self.flavour].label if self.flavour in FLAVOURS else self.flavour
        torch = self.packages.get("torch", "?")
        return f"torch {torch} ({flavour}) with {', '.join(ENGINES)}, at {self.path}"


def installed(root: Path | None = None) -> Installed | None:
    """The finished install under `root`, if there is one for this Python."""
    folder = Path(root or addons_root()) / FOLDER
    old = folder.with_name(f"{FOLDER}.old")
    if not folder.exists() and (old / MARKER).is_file():
        try:  # a studio stopped between the two renames of a replacing install: keep the old one
            old.rename(folder)
        except OSError:
            folder = old
    data = read_json(folder / MARKER, None)
    if not isinstance(data, dict) or data.get("python") != f"{sys.version_info.major}.{sys.version_info.minor}":
        return None
    return Installed(folder, data.get("flavour", "?"), data["python"], dict(data.get("packages", {})),
                     data.get("installed_at", ""))


def activate(root: Path | None = None) -> Path | None:
    """Put a finished install first on `sys.path`; None when there is none."""
    found = installed(root)
    if found is None:
        return None
    folder = str(found.path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
        importlib.invalidate_caches()
        torch_libs = found.path / "torch" / "lib"
        if sys.platform == "win32" and torch_libs.is_dir():
            os.add_dll_directory(str(torch_libs))
    return found.path


def remove(root: Path | None = None) -> bool:
    """Delete the add-on folder (a running studio keeps a torch it already imported)."""
    root = Path(root or addons_root())
    existed = (root / FOLDER).exists()
    for path in (root / FOLDER, root / f"{FOLDER}.partial", root / "cache"):
        shutil.rmtree(path, ignore_errors=True)
    return existed


def install(plan: Plan, state=None, *, uv: str | None = None, env: dict[str, str] | None = None) -> Installed:
    """Run uv into a staging folder; on success mark it installed and swap it in.

    `state.set_progress(fraction, message)` hears uv's lines; `state.is_cancelled()` stops uv
    (the staging folder is removed: no marker, nothing half-installed on `sys.path`).
    """
    state = state or NullState()
    uv = uv or find_uv()
    root = plan.root
    staging = root / f"{FOLDER}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    constraints = root / "constraints.txt"
    atomic_write_text(constraints, bundle_constraints(plan.packages))
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    run_env.update(UV_CACHE_DIR=str(root / "cache"), UV_PYTHON_INSTALL_DIR=str(root / "python"))
    run_env.update(env or {})
    state.set_progress(0.0, f"Installing the torch engines ({plan.flavour.label})")
    try:
        code, lines = _run(command(plan, uv, staging, constraints), state, run_env)
        if code != 0:
            raise _failure(plan, lines)
        packages = _dist_versions(staging)
        atomic_write_json(staging / MARKER, {
            "flavour": plan.flavour.id, "python": plan.python_version, "platform": plan.python_platform,
            "packages": packages, "requested": list(plan.packages), "studio": __version__,
            "installed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = root / f"{FOLDER}.old"
    shutil.rmtree(old, ignore_errors=True)
    try:
        if plan.target.exists():
            plan.target.rename(old)
        staging.rename(plan.target)
    except OSError as exc:
        # Windows will not move a folder whose libraries this studio has loaded.
        if not plan.target.exists() and old.exists():
            old.rename(plan.target)  # the working install stays
        shutil.rmtree(staging, ignore_errors=True)
        raise StudioError(
            "The torch engines could not be replaced while this studio uses them: close the studio, "
            "open it again and install before rendering with a torch engine.",
            detail=repr(exc),
        ) from exc
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(root / "cache", ignore_errors=True)  # the wheels are unpacked: do not keep them twice
    state.set_progress(1.0, "The torch engines are installed.")
    activate(root)
    return installed(root)


# -- running uv --------------------------------------------------------------------------------
DOWNLOADING = re.compile(r"Downloading (\S+) \(([\d.]+)(KiB|MiB|GiB)\)")
DOWNLOADED = re.compile(r"Downloaded (\S+)")
UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
NETWORK = ("failed to fetch", "error sending request", "dns error", "connection refused", "tcp connect",
           "timed out", "network is unreachable", "failed to lookup address", "could not connect")


class Progress:
    """uv's plain (non-terminal) lines as a fraction: resolving, downloads by size, installing."""

    def __init__(self):
        self.sizes: dict[str, float] = {}
        self.done: set[str] = set()
        self.fraction = 0.0

    def line(self, text: str) -> float:
        if m := DOWNLOADING.search(text):
            self.sizes[m.group(1)] = float(m.group(2)) * UNITS[m.group(3)]
        elif m := DOWNLOADED.search(text):
            self.done.add(m.group(1))
        if text.startswith("Resolved"):
            self.fraction = max(self.fraction, 0.05)
        elif self.sizes and (self.done & self.sizes.keys()):
            got = sum(size for name, size in self.sizes.items() if name in self.done)
            self.fraction = max(self.fraction, 0.05 + 0.85 * got / sum(self.sizes.values()))
        if text.startswith("Prepared"):
            self.fraction = max(self.fraction, 0.9)
        elif text.startswith("Installed"):
            self.fraction = max(self.fraction, 0.98)
        return self.fraction


def _run(cmd: list[str], state, env: dict[str, str]) -> tuple[int, list[str]]:
    flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if sys.platform == "win32" else {"start_new_session": True}
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                text=True, encoding="utf-8", errors="replace", env=env, **flags)
    except OSError as exc:
        raise StudioError(f"The add-on installer (uv) could not start: {exc.strerror or exc}.") from exc
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), name="uv output", daemon=True)
    reader.start()
    seen: list[str] = []
    progress = Progress()
    try:
        while True:
            if state.is_cancelled():
                raise Cancelled()
            try:
                text = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if text is None:
                break
            text = text.strip()
            if text:
                seen.append(text)
                state.set_progress(progress.line(text), text)
        return proc.wait(), seen
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        reader.join(timeout=10)


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for text in stream:
            lines.put(text)
    finally:
        lines.put(None)


def _failure(plan: Plan, lines: list[str]) -> StudioError:
    errors = [line for line in lines if line.lower().startswith(("error", "×", "caused by"))] or lines[-3:]
    detail = "\n".join(lines[-40:])
    said = " ".join(errors).lower()
    if any(word in said for word in NETWORK):
        where = plan.flavour.index_url or plan.index_url
        return StudioError("The torch engines could not be downloaded: the package index did not answer "
                           f"({where}). Check the internet connection and try again.", detail=detail)
    if "no solution found" in said or "not found in the package registry" in said:
        return StudioError(f"No torch build for this machine ({plan.flavour.label}, {plan.python_platform}) "
                           "fits the studio's versions; try the CPU build.", detail=detail)
    last = errors[-1] if errors else "uv stopped without saying why"
    return StudioError(f"Installing the torch engines failed: {last.removeprefix('error:').strip()}", detail=detail)


def bundle_constraints(packages: tuple[str, ...] = PACKAGES) -> str:
    """Pin what this app already carries (numpy, ...) so the add-on has the same versions.

    The frozen app reads the list its spec wrote at build time (the bundle copies the metadata
    of only a few distributions); elsewhere it is this environment's distributions.
    """
    ours = {_canonical(re.split(r"[=<>!~\[ ]", spec, maxsplit=1)[0]) for spec in packages} | {"stitch-studio"}
    written = Path(getattr(sys, "_MEIPASS", "")) / BUNDLE_CONSTRAINTS if getattr(sys, "frozen", False) else None
    if written is not None and written.is_file():
        lines = written.read_text(encoding="utf-8").splitlines()
        return "".join(line + "\n" for line in lines if line and _canonical(line.split("==")[0]) not in ours)
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata.get("Name")
        if name and _canonical(name) not in ours:
            pins.setdefault(_canonical(name), f"{_canonical(name)}=={dist.version}")
    return "".join(line + "\n" for line in sorted(pins.values()))


def _dist_versions(folder: Path) -> dict[str, str]:
    found = {}
    for info in folder.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[_canonical(name)] = version
    return dict(sorted(found.items()))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
