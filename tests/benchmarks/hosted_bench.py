"""Hosted-engine benchmarks, against the fake servers of tests/hosted (no network).

(a) ledger + budget overhead per render, on a ledger that already holds 2,000
    entries (target < 1 ms): a draft's record (no fsync), and `render_paid` around
    a paid call that does nothing (budget hold + an fsynced append). A bare
    append+fsync on the same disk is timed beside it: that part is the disk's.
(b) a speech render routed through the HTTP engine (key lookup, retries policy,
    cancel watch, streamed body, WAV decoded to samples) ÷ a bare httpx POST of the
    same request on a kept-alive connection, interleaved, same run (target ≤ 1.05).
    Shown with the fake answering at once (the worst case for the ratio) and with
    50 ms of simulated synthesis, still far quicker than any hosted TTS.

    python tests/benchmarks/hosted_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

KEY = "sk-bench-0123456789abcdef"
TEXT = "Every draft you render on your own machine is free, so you can try a line ten times before paying once."


def ledger_overhead(work_dir: Path, renders: int = 400) -> dict:
    from studio.engines.base import Audio, NullState  # noqa: F401
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine
    from studio.money.ledger import Budget, Ledger, render_paid

    ledger = Ledger(work_dir / "project")
    for i in range(2000):
        ledger.record("kokoro-onnx", "kokoro", "tts", "draft", usage={"characters": 80 + i % 40})
    budget = Budget(ledger, "1000")
    engine = OpenAISpeechEngine(api_key=KEY)  # api.openai.com prices; nothing is sent
    request = engine.request(TEXT, "alloy", 1.0)
    result = object()
    quote = engine.quote(request)
    times, checks, drafts, syncs = [], [], [], []
    for _ in range(renders):
        started = time.perf_counter()
        ledger.record("kokoro-onnx", "kokoro", "tts", "draft", seconds=0.8, usage={"characters": 104}, ref="l1")
        drafts.append(time.perf_counter() - started)
        started = time.perf_counter()
        fd = os.open(work_dir / "sync-probe", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, b"x" * 300 + b"\n")
        os.fsync(fd)
        os.close(fd)
        syncs.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_paid(ledger, budget, engine, request, lambda: result, quote=quote)
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        budget.check(quote)
        checks.append(time.perf_counter() - started)
    quoted = []
    for _ in range(renders):
        started = time.perf_counter()
        engine.quote(request)
        quoted.append(time.perf_counter() - started)
    return {
        "draft record median ms": statistics.median(drafts) * 1e3,
        "draft record p95 ms": sorted(drafts)[int(0.95 * len(drafts))] * 1e3,
        "render_paid median ms": statistics.median(times) * 1e3,
        "render_paid p95 ms": sorted(times)[int(0.95 * len(times))] * 1e3,
        "budget check median ms": statistics.median(checks) * 1e3,
        "quote (price lookup) median ms": statistics.median(quoted) * 1e3,
        "bare append+fsync median ms": statistics.median(syncs) * 1e3,
        "entries": len(ledger.entries()),
    }


def routing_ratio(latency: float, repeats: int) -> dict:
    import httpx

    from hosted.fakes import FakeOpenAI
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine
    from studio.jobs.task import JobState

    class SlowFake(FakeOpenAI):
        def answer(self, hit):
            if latency:
                time.sleep(latency)
            return super().answer(hit)

    with SlowFake(KEY) as fake:
        engine = OpenAISpeechEngine(base_url=f"{fake.url}/v1", api_key=KEY, voice="nova", trust_env=False)
        request = engine.request(TEXT, "nova", 1.0)
        body = {"model": "tts-1", "input": TEXT, "voice": "nova", "response_format": "wav", "speed": 1.0}
        bare_client = httpx.Client(trust_env=False)
        url, headers = f"{fake.url}/v1/audio/speech", {"Authorization": f"Bearer {KEY}"}

        def bare():
            return bare_client.post(url, json=body, headers=headers).content

        def studio():
            return engine.synthesize(request, JobState())

        for _ in range(20):  # warm both connections, caches and the WAV path
            bare()
            studio()
        bare_times, studio_times = [], []
        for _ in range(repeats):
            for fn, into in ((bare, bare_times), (studio, studio_times)):
                started = time.perf_counter()
                fn()
                into.append(time.perf_counter() - started)
        bare_client.close()
        engine.unload()
    b, s = statistics.median(bare_times), statistics.median(studio_times)
    return {"bare httpx median ms": b * 1e3, "engine median ms": s * 1e3, "ratio": s / b}


def main() -> int:
    os.environ.setdefault("STITCH_CONFIG_DIR", tempfile.mkdtemp(prefix="stitch-bench-config-"))
    with tempfile.TemporaryDirectory(prefix="stitch-bench-") as work:
        a = ledger_overhead(Path(work))
    print("(a) ledger + budget per render (ledger of", a.pop("entries"), "entries)")
    for name, value in a.items():
        print(f"    {name:32s} {value:8.3f}")
    draft = a["draft record median ms"]
    paid = a["render_paid median ms"] - a["bare append+fsync median ms"]
    print(f"    target < 1 ms: draft {draft:.3f} ms ({'meets' if draft < 1 else 'MISSES'}); paid, less the"
          f" disk's fsync, {paid:.3f} ms ({'meets' if paid < 1 else 'MISSES'})")

    print("(b) speech render through the HTTP engine vs a bare httpx POST (fake server, 127.0.0.1)")
    for latency, repeats in ((0.0, 300), (0.05, 40)):
        r = routing_ratio(latency, repeats)
        label = "server answers at once" if not latency else f"server takes {latency * 1e3:.0f} ms"
        extra = r["engine median ms"] - r["bare httpx median ms"]
        print(f"    {label:24s} bare {r['bare httpx median ms']:7.3f} ms   engine {r['engine median ms']:7.3f} ms"
              f"   (+{extra:.3f} ms)   ratio {r['ratio']:.3f}  (target ≤ 1.05: {'meets' if r['ratio'] <= 1.05 else 'MISSES'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
