"""DNSMOS naturalness during a comparison: queued per take, scored at idle priority beside the
renders, the rest on every core at the end; the scores are those of scoring each take alone."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pytest

from studio.render import compare_measure as measure

pytestmark = pytest.mark.skipif(measure.naturalness().model_path() is None, reason="speechmos is not installed")


def _voiced(seconds: float, seed: int) -> np.ndarray:
    """A speech-like sound at 16 kHz: a gliding harmonic tone in syllable-long bursts, over faint noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * measure.DNSMOS_RATE)) / measure.DNSMOS_RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / measure.DNSMOS_RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 6))
    bursts = (np.sin(2 * np.pi * 3.5 * t) > -0.2).astype(float)
    return (0.2 * tone * bursts + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def test_collect_gives_each_take_the_score_it_has_alone():
    scorer = measure.naturalness()
    takes = {"L1:a": _voiced(2.4, 1), "L1:b": _voiced(4.3, 2), "L2:a": _voiced(11.0, 3),
             "L2:b": np.zeros(16000, np.float32)}
    scoring = measure.IdleScoring(scorer)
    try:
        for key, samples in takes.items():
            scoring.submit(key, samples)
        scores = scoring.collect(list(takes))
    finally:
        scoring.close()
    for key, samples in takes.items():
        alone = scorer.score(samples)
        # the idle thread's one-thread session may sum a convolution in another order: 1e-4 at most
        assert scores[key] == alone if alone is None else scores[key] == pytest.approx(alone, abs=1e-3)
    assert scores["L2:b"] is None  # silence is not scored
    assert 1.0 <= scores["L1:a"]["ovrl"] <= 5.0
    # 2.4 s fills one window repeated 4 times (9.6 s); 4.3 s three times (12.9 s, 4 windows); 11 s has 2 (at 0 and 1 s)
    assert scoring.work()["windows"] == 1 + 4 + 2


def test_the_one_thread_session_reads_a_window_as_the_every_core_one_does():
    scorer = measure.naturalness()
    batch = measure.dnsmos_windows(_voiced(11.0, 4))
    assert batch.shape == (2, 144160)
    np.testing.assert_allclose(scorer.run(batch[:1], "one"), scorer.run(batch[:1]), atol=1e-4)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority is Linux's")
def test_the_scoring_thread_runs_at_idle_priority_and_what_it_scored_is_kept():
    scorer = measure.naturalness()
    scoring = measure.IdleScoring(scorer)
    samples = _voiced(10.0, 5)
    try:
        scoring.submit("L1:a", samples)
        thread = scoring._thread
        assert thread is not None and thread.daemon
        deadline = time.monotonic() + 5
        while thread.native_id is None and time.monotonic() < deadline:
            time.sleep(0.01)
        while os.sched_getscheduler(thread.native_id) != os.SCHED_IDLE and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.sched_getscheduler(thread.native_id) == os.SCHED_IDLE
        score = scoring.collect(["L1:a"])["L1:a"]
    finally:
        scoring.close()
    thread.join(timeout=30)
    assert not thread.is_alive()  # closed: it ends after the window it was running
    assert score == pytest.approx(scorer.score(samples), abs=1e-3)
