"""Several servers doing one engine's work: a render-all spread over every one at once.

`ServerPool` holds one engine per server (the same model on each, so a take is the
same take whichever server said it). Each call goes to the server with room (at most
`per_server` requests at a time on each) that should finish it soonest: the fewest
requests under way, weighted by how long its recent requests took, so a slow server
is given less. A server whose request fails (unreachable, timed out, a 5xx, a cut-off
reply) is drained for a while and the request is tried on the others; only when
every server has failed it does the line fail, with the last server's sentence.
"""

from __future__ import annotations

import threading
import time

from studio.engines.hosted.http import HostedError, KeyRefused, OutOfCredit
from studio.errors import Cancelled, EngineError

DRAIN_SECONDS = 60.0  # a failed server gets no new request for this long (unless nothing else is left)


class ServerPool:
    def __init__(self, engines: list, per_server: int = 2):
        if not engines:
            raise EngineError("A pool of servers needs at least one server address.")
        self.engines = list(engines)
        self.per_server = max(1, int(per_server))
        self._busy = [0] * len(self.engines)
        self._seconds = [0.0] * len(self.engines)  # recent seconds per request (0: not known yet)
        self._drained_until = [0.0] * len(self.engines)
        self._done = [0] * len(self.engines)
        self._cond = threading.Condition()

    @property
    def parallel(self) -> int:
        """How many requests the pool takes at once."""
        return self.per_server * len(self.engines)

    def served(self) -> list[int]:
        """How many requests each server has answered (in the order given)."""
        with self._cond:
            return list(self._done)

    def run(self, call, state):
        """`call(engine)` on the best server free; on a server's failure, again on the others."""
        tried: set[int] = set()
        last: HostedError | None = None
        while True:
            n = self._acquire(tried, state, last)
            began = time.monotonic()
            try:
                result = call(self.engines[n])
            except (Cancelled, OutOfCredit, KeyRefused):
                self._release(n, None)
                raise
            except HostedError as exc:  # this server failed: drain it, try the line elsewhere
                self._release(n, None, failed=True)
                tried.add(n)
                last = exc
                continue
            except BaseException:
                self._release(n, None)
                raise
            self._release(n, time.monotonic() - began)
            return result

    def _acquire(self, tried: set[int], state, last: HostedError | None) -> int:
        with self._cond:
            while True:
                if state is not None and state.is_cancelled():
                    raise Cancelled()
                left = [n for n in range(len(self.engines)) if n not in tried]
                if not left:
                    raise last or EngineError("No server of the pool could take the line.")
                now = time.monotonic()
                healthy = [n for n in left if self._drained_until[n] <= now]
                # Nothing healthy left for this line: a drained server is tried rather than give up.
                pick = [n for n in (healthy or left) if self._busy[n] < self.per_server]
                if pick:
                    known = [s for s in self._seconds if s > 0]
                    usual = min(known) if known else 1.0
                    n = min(pick, key=lambda k: ((self._busy[k] + 1) * (self._seconds[k] or usual), k))
                    self._busy[n] += 1
                    return n
                self._cond.wait(0.05)

    def _release(self, n: int, seconds: float | None, failed: bool = False) -> None:
        with self._cond:
            self._busy[n] -= 1
            if failed:
                self._drained_until[n] = time.monotonic() + DRAIN_SECONDS
            elif seconds is not None:
                self._done[n] += 1
                self._drained_until[n] = 0.0
                self._seconds[n] = seconds if not self._seconds[n] else 0.7 * self._seconds[n] + 0.3 * seconds
            self._cond.notify_all()


__all__ = ["DRAIN_SECONDS", "ServerPool"]
