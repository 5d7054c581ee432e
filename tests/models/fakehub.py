"""A fake Hugging Face hub on 127.0.0.1: the endpoints huggingface_hub calls to download a file.

`HEAD|GET /{repo}/resolve/{rev}/{file}` answers with X-Repo-Commit, ETag (the sha256,
as the hub gives for LFS files), Content-Length and, for a `Range` request, 206 with
Content-Range. `GET /api/models/{repo}/revision/{rev}` lists the files. `cut` names
files whose next GET sends half the body and closes the connection.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repo: str, files: dict[str, bytes]):
        self.repo = repo
        self.files = files
        self.hits: list[tuple[str, str, str]] = []  # (method, path, Range header)
        self.cut: set[str] = set()
        self.corrupt: set[str] = set()  # served with one byte changed
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hub = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def data(self, name: str) -> bytes:
        body = self.files[name]
        return body[:-1] + bytes([body[-1] ^ 0xFF]) if name in self.corrupt else body


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _serve(self, head: bool):
        hub: FakeHub = self.server.hub
        hub.hits.append((self.command, self.path, self.headers.get("Range", "")))
        path = self.path.split("?")[0]
        if path.startswith(f"/api/models/{hub.repo}"):
            body = json.dumps({"id": hub.repo, "sha": COMMIT, "siblings": [{"rfilename": n} for n in hub.files]}).encode()
            return self._send(200, body, {"Content-Type": "application/json"}, head)
        match = re.fullmatch(rf"/{re.escape(hub.repo)}/resolve/[^/]+/(.+)", path)
        if not match or match.group(1) not in hub.files:
            return self._send(404, b"not found", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT}, head)
        name = match.group(1)
        body = hub.data(name)
        headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{hashlib.sha256(hub.files[name]).hexdigest()}"',
                   "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        status, start = 200, 0
        ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if ranged and not head:
            start = int(ranged.group(1))
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        if not head and name in hub.cut:
            hub.cut.discard(name)
            part = body[start:]
            self.send_response(status)
            for k, v in {**headers, "Content-Length": str(len(part))}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(part[: len(part) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, body[start:], headers, head)

    def _send(self, status, body, headers, head):
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)
