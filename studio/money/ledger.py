"""What every render cost: the project's ledger, its budget cap, and the guard around a paid call.

`.stitch/ledger.jsonl` holds one JSON object per render, appended and never
rewritten. Each append is one `write()` of one whole line to a file opened with
O_APPEND, fsynced when it records money: the line lands at the end even if another studio process
appends too, and a crash can at worst leave a torn last line, which the reader
skips (and a later append starts on a fresh line). Rewriting the file atomically
would cost O(size) per render; an append costs the same on the 10,000th render.

Money is `Decimal` to the micro-dollar and is written as a string, so totals are
exact. "charged" is what the provider billed, as far as it said: its reported
count (characters, images, audio seconds) at the price list's rate, the price
list's figure when it reports nothing for a call that completed, and nothing for a
call that failed or was cancelled unless the provider reported a charge for it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, TypeVar

from studio.money.prices import Price, Quote, Usage, format_money, money
from studio.errors import Cancelled, StorageError, StudioError

LEDGER = ".stitch/ledger.jsonl"
MONEY_FIELDS = ("estimated", "charged")
T = TypeVar("T")


class BudgetExceeded(StudioError):
    """A paid render would take the project over its budget; nothing was sent."""


@dataclass(frozen=True)
class Entry:
    """One render (or one cache hit) and what it cost."""

    engine: str
    model: str
    task: str  # "tts", "image", "stt", ...
    tier: str  # "draft" or "final"
    seconds: float = 0.0
    estimated: Decimal = Decimal(0)
    charged: Decimal = Decimal(0)
    charge_source: str = "free"  # "provider", "price list", "none reported", "free", ...
    status: str = "done"  # "done", "failed", "cancelled"
    cached: bool = False
    ref: str = ""  # the line or scene the render was for
    key: str = ""  # the start of the request's cache key
    usage: dict = field(default_factory=dict)
    time: str = ""

    def to_line(self) -> bytes:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update({name: f"{d[name]:f}" for name in MONEY_FIELDS}, seconds=round(self.seconds, 3))
        return (json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    @classmethod
    def from_dict(cls, d: dict) -> "Entry":
        """A ledger line read back; ValueError for one edited by hand into something else
        (not an object, wrong types, NaN or negative money, which would fool the budget)."""
        if not isinstance(d, dict):
            raise ValueError(f"not a ledger entry: {d!r}")
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        for name in MONEY_FIELDS:
            d[name] = money(d.get(name, "0"))
            if not d[name].is_finite() or d[name] < 0:
                raise ValueError(f"{name} is not an amount of money: {d[name]}")
        seconds = d.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < float("inf"):
            raise ValueError(f"seconds is not a duration: {seconds!r}")
        if not isinstance(d.get("cached", False), bool) or not isinstance(d.get("usage", {}), dict):
            raise ValueError(f"not a ledger entry: {d!r}")
        usage = Usage.from_dict(d.get("usage"))
        if not all(isinstance(getattr(usage, k), (int, float)) and not isinstance(getattr(usage, k), bool)
                   for k in ("characters", "images", "audio_seconds")):
            raise ValueError(f"usage is not counts: {d.get('usage')!r}")
        return cls(**d)


@dataclass
class Totals:
    renders: int = 0
    cached: int = 0
    failed: int = 0
    seconds: float = 0.0
    estimated: Decimal = Decimal(0)
    charged: Decimal = Decimal(0)

    def add(self, entry: Entry) -> None:
        self.renders += 1
        self.cached += entry.cached
        self.failed += entry.status != "done"
        self.seconds += entry.seconds
        self.estimated += entry.estimated
        self.charged += entry.charged


class Ledger:
    """The project's ledger file, read once and then only its new lines."""

    def __init__(self, folder: Path | str):
        self.path = Path(folder) / LEDGER
        self._lock = threading.Lock()
        self._entries: list[Entry] = []
        self._spent = Decimal(0)
        self._read_to = 0  # bytes of the file parsed so far (whole lines only)
        self.damaged = 0  # lines that could not be read, left as they are

    def append(self, entry: Entry, durable: bool | None = None) -> Entry:
        """Add one line. It is fsynced when money is involved (a final render, a charge,
        an estimate): the budget rests on it. A free draft's line is left to the OS,
        which keeps it through a crash of the studio, not of the machine; an fsync
        costs from 0.2 ms to several ms, and drafts come by the hundred."""
        if durable is None:
            durable = entry.tier != "draft" or entry.charged > 0 or entry.estimated > 0
        if not entry.time:
            entry = _stamped(entry)
        line = entry.to_line()
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
                try:
                    if os.fstat(fd).st_size:
                        os.lseek(fd, -1, os.SEEK_END)
                        if os.read(fd, 1) != b"\n":
                            line = b"\n" + line  # a torn line from a crash stays on its own
                    written = os.write(fd, line)
                    while written < len(line):  # rare: a short write on a full disk
                        written += os.write(fd, line[written:])
                    if durable:
                        os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise StorageError(
                    f"Could not add to the cost ledger ({exc.strerror or exc}): free some disk space; "
                    "the last render happened but its cost is not on record.",
                    detail=repr(exc),
                ) from exc
            self._refresh()
        return entry

    def record(self, engine: str, model: str, task: str, tier: str, **values) -> Entry:
        return self.append(Entry(engine, model, task, tier, **values))

    def record_render(self, request, *, tier: str = "draft", seconds: float = 0.0, cached: bool = False, ref: str = "") -> Entry:
        """A free render (a local draft, a cache hit): its usage is kept, so the Cost panel
        can say what it would have cost at a premium engine's price."""
        return self.record(
            request.engine, request.model, request.task, tier, seconds=seconds, cached=cached, ref=ref,
            key=request.cache_key()[:20], usage=usage_of(request).to_dict(),
        )

    def entries(self) -> list[Entry]:
        with self._lock:
            self._refresh()
            return list(self._entries)

    def spent(self) -> Decimal:
        """Money charged so far (never estimates of calls that did not complete)."""
        with self._lock:
            self._refresh()
            return self._spent

    def totals(self, by: str = "task") -> dict[str, Totals]:
        """Totals per task, engine, tier or model (`by` names the entry field)."""
        out: dict[str, Totals] = {}
        for entry in self.entries():
            out.setdefault(str(getattr(entry, by)), Totals()).add(entry)
        return out

    def drafts_at(self, price: Price, size: str = "") -> Decimal:
        """What the drafts rendered so far would have cost at `price` (a premium engine's).

        Counts each free draft actually rendered (cache hits cost nothing either way, a
        hosted draft engine's paid drafts saved nothing) of the task the price is for; an image size the price does not list is priced at `size`,
        or at the cheapest listed one, so the figure is never inflated."""
        task = {"character": "tts", "image": "image", "audio minute": "stt"}[price.unit]
        fallback = size or (min(price.sizes, key=price.sizes.get) if price.sizes else "")
        total = Decimal(0)
        for entry in self.entries():
            if entry.tier != "draft" or entry.cached or entry.status != "done" or entry.task != task:
                continue
            if entry.charged > 0 or entry.estimated > 0:  # a hosted draft engine's: paid, not saved
                continue
            usage = Usage.from_dict(entry.usage)
            if task == "image" and usage.size not in price.sizes:
                usage = Usage(images=usage.images or 1, size=fallback)
            total += price.cost(usage)
        return total

    def _refresh(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        except OSError as exc:
            raise StorageError(f"Could not read the cost ledger ({exc.strerror or exc}).") from exc
        if size < self._read_to:  # replaced or cut short by hand: read it again
            self._entries, self._spent, self._read_to, self.damaged = [], Decimal(0), 0, 0
        if size == self._read_to:
            return
        with open(self.path, "rb") as f:
            f.seek(self._read_to)
            chunk = f.read(size - self._read_to)
        whole = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        for raw in whole.splitlines():
            if not raw.strip():
                continue
            try:
                entry = Entry.from_dict(json.loads(raw))
            except (ValueError, TypeError, ArithmeticError, RecursionError):
                self.damaged += 1
                continue
            self._entries.append(entry)
            self._spent += entry.charged
        self._read_to += len(whole)


class Budget:
    """A hard cap on what a project may spend; checked before any paid call."""

    def __init__(self, ledger: Ledger, cap):
        self.ledger = ledger
        self.cap = money(cap)
        self._lock = threading.Lock()
        self._held: list[Decimal] = []  # estimates of paid calls in flight

    def remaining(self) -> Decimal:
        with self._lock:
            return self.cap - self.ledger.spent() - sum(self._held, Decimal(0))

    def check(self, estimate) -> None:
        """Raise BudgetExceeded, saying by how much, if `estimate` does not fit."""
        with self._lock:
            self._check(_money_of(estimate))

    @contextmanager
    def hold(self, estimate):
        """Check, then keep `estimate` aside while the call runs so two calls cannot both fit."""
        amount = _money_of(estimate)
        with self._lock:
            self._check(amount)
            self._held.append(amount)
        try:
            yield amount
        finally:
            with self._lock:
                self._held.remove(amount)

    def _check(self, amount: Decimal) -> None:
        if amount <= 0:
            return
        left = self.cap - self.ledger.spent() - sum(self._held, Decimal(0))
        if amount > left:
            raise BudgetExceeded(
                f"This render would cost about {format_money(amount)} but only "
                f"{format_money(max(left, Decimal(0)))} of this project's {format_money(self.cap)} "
                f"budget is left, so it would go over by {format_money(amount - max(left, Decimal(0)))}: "
                "raise the budget in the project's settings, or render something shorter."
            )


def render_paid(
    ledger: Ledger,
    budget: Budget,
    engine,
    request,
    work: Callable[[], T],
    *,
    tier: str = "final",
    ref: str = "",
    quote: Quote | None = None,
    charged: Callable[[T], Decimal] | None = None,
) -> T:
    """Run `work` (the engine call) inside the budget, and put what it cost in the ledger.

    The budget is checked, and the estimate held, before `work` runs: a refused call
    sends nothing. A call that failed or was cancelled while talking to the provider
    (its exception carries `charged`) is recorded with what the provider reported
    charging for it, or nothing; one that never got that far is not a render and is
    not recorded. `quote` is needed where the engine quotes something other than a
    request (a transcription engine quotes seconds of audio)."""
    quote = quote if quote is not None else engine.quote(request)
    base = dict(
        engine=engine.id,
        model=getattr(request, "model", "") or getattr(engine, "model_name", ""),
        task=getattr(request, "task", "") or engine.task,
        tier=tier,
        ref=ref,
        key=request.cache_key()[:20] if hasattr(request, "cache_key") else "",
        usage=quote.usage.to_dict(),
        estimated=quote.money,
    )
    with budget.hold(quote.money):
        started = time.perf_counter()
        try:
            result = work()
        except BaseException as exc:
            if not hasattr(exc, "charged"):  # failed before talking to the provider (no key, empty line)
                raise
            status = "cancelled" if isinstance(exc, Cancelled) else "failed"
            reported = exc.charged
            ledger.append(Entry(
                **base, seconds=time.perf_counter() - started, status=status,
                charged=money(reported or 0),
                charge_source=getattr(exc, "charge_source", None)
                or ("provider" if reported is not None else ("none reported" if quote.paid else "free")),
            ))
            raise
        seconds = time.perf_counter() - started
        info = getattr(result, "info", None) or {}
        if charged is not None:
            amount, source = money(charged(result)), "price list"
        elif "charged" in info:
            amount, source = money(info["charged"]), info.get("charge_source", "provider")
        else:
            amount, source = quote.money, "estimate"
        if not quote.paid:
            amount, source = Decimal(0), "free"
        if isinstance(info.get("usage"), dict):  # what the provider reported using (a model's tokens)
            base["usage"] = Usage.from_dict(info["usage"]).to_dict()
        ledger.append(Entry(**base, seconds=seconds, charged=amount, charge_source=source))
        return result


_SHARED: dict[Path, Ledger] = {}
_SHARED_LOCK = threading.Lock()


def project_ledger(folder) -> Ledger:
    """One Ledger per project folder in this process: a new one reads the whole file again,
    which a caller recording one line at a time (on the UI thread) should not pay for."""
    key = Path(folder).resolve()
    with _SHARED_LOCK:
        ledger = _SHARED.get(key)
        if ledger is None:
            ledger = _SHARED[key] = Ledger(key)
        return ledger


_BUDGETS: dict[Path, Budget] = {}


def shared_budget(folder, cap) -> Budget:
    """One Budget per project folder in this process, over `project_ledger(folder)`, with the cap
    as stitch.toml says now: paid jobs that start from it hold their estimates against each other."""
    key = Path(folder).resolve()
    ledger = project_ledger(key)
    with _SHARED_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None or budget.ledger is not ledger:
            budget = _BUDGETS[key] = Budget(ledger, cap)
        budget.cap = money(cap)
        return budget


def record_image_draft(ledger: Ledger, result) -> Entry | None:
    """A scene image drafted with the routed draft engine (a render or a variation, or its
    cache hit): free, with its size kept, so the Cost panel can price the drafts at the
    final image engine. A cleanup uses no model; a final, or a draft from a hosted engine,
    is recorded when it is paid for (`render_paid`)."""
    take = result.take
    if take.kind not in ("render", "variation"):
        return None
    request = take.request
    return ledger.record(
        str(request.get("engine", "")), str(request.get("model", "")), "image", "draft",
        seconds=result.seconds, cached=result.cached, ref=take.scene_id, key=take.cache_key[:20],
        usage=Usage(images=1, size=f"{request.get('width', 0)}x{request.get('height', 0)}").to_dict(),
    )


def usage_of(request) -> Usage:
    """What a request uses, in billing units: characters of a line, one image of a size."""
    if getattr(request, "task", "") == "image" and hasattr(request, "width"):
        return Usage(images=1, size=f"{request.width}x{request.height}")
    return Usage(characters=len(getattr(request, "text", "") or ""))


def _money_of(estimate) -> Decimal:
    if isinstance(estimate, Quote):
        return estimate.money
    if hasattr(estimate, "money"):  # a Cost
        return money(estimate.money)
    return money(estimate)


def _stamped(entry: Entry) -> Entry:
    return replace(entry, time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
