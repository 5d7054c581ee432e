"""One studio per user: a second `studio FOLDER` hands the folder to the running studio.

The running studio listens on a QLocalServer whose name is per user (and per settings folder, so
tests and a second profile do not meet). A launch with a folder first tries to connect: if a
studio answers, the folder is sent, the running studio opens it in a new window and raises it,
and the launch exits 0. If nobody answers, the launch opens normally and becomes the listener;
a socket left behind by a studio that crashed is removed first.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 500
REPLY_MS = 3000


def server_name() -> str:
    """Per user and per settings folder; short, since Unix socket paths are limited to ~100 bytes."""
    from studio.settings import config_dir

    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        user = str(Path.home())
    digest = hashlib.sha256(f"{user}\0{config_dir()}".encode()).hexdigest()[:16]
    return f"stitch-studio-{digest}"


def hand_over(folder: str | Path, name: str | None = None) -> bool:
    """Send `folder` to a running studio; True once it said it will open it."""
    socket = QLocalSocket()
    socket.connectToServer(name or server_name())
    if not socket.waitForConnected(CONNECT_MS):
        return False
    message = json.dumps({"open": str(Path(folder).resolve())}) + "\n"
    socket.write(message.encode("utf-8"))
    if not socket.waitForBytesWritten(REPLY_MS):
        return False
    reply = b""
    while not reply.endswith(b"\n") and socket.waitForReadyRead(REPLY_MS):
        reply += bytes(socket.readAll())
    socket.disconnectFromServer()
    return reply.strip() == b"ok"


class SingleInstance(QObject):
    """The running studio's end: emits `folder_requested(path)` for each folder handed over."""

    folder_requested = Signal(str)

    def __init__(self, name: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name or server_name()
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; False if another live studio already does (then this one just runs)."""
        # Asked first: with UserAccessOption, Qt's listen() would replace a live studio's socket.
        if _answers(self.name):
            return False
        QLocalServer.removeServer(self.name)  # a socket left by a studio that did not close cleanly
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll())
        if b"\n" not in data:
            self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        try:
            folder = json.loads(line.decode("utf-8"))["open"]
        except (ValueError, KeyError, TypeError):
            socket.write(b"bad\n")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        self.folder_requested.emit(str(folder))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        try:
            socket.deleteLater()
        except RuntimeError:  # the server, its parent, went first (the studio is closing)
            pass


def _answers(name: str) -> bool:
    probe = QLocalSocket()
    probe.connectToServer(name)
    alive = probe.waitForConnected(CONNECT_MS)
    probe.abort()
    return alive
