"""The Kokoro sentence loop hands each finished piece to a state that asks for it."""

from __future__ import annotations

import numpy as np

from studio.engines.base import NullState
from studio.engines.g2p import G2P
from studio.engines.kokoro_common import SAMPLE_RATE, speak_line


class Collecting(NullState):
    def __init__(self):
        self.pieces = []
        self.progress_at_piece = []

    def partial(self, samples, rate):
        self.pieces.append((np.asarray(samples).copy(), rate))


def _infer(chunk: str) -> np.ndarray:
    return np.full(SAMPLE_RATE // 10, 0.5, np.float32)


def test_each_sentence_is_handed_over_as_it_finishes_and_they_add_up_to_the_take():
    g2p = G2P("letters", lambda text: "hˈɛloʊ wˈɜːld")
    state = Collecting()
    audio, _phonemes = speak_line("One sentence here. Another one there. And a third.", g2p, _infer, state)
    assert len(state.pieces) == 3
    assert all(rate == SAMPLE_RATE for _s, rate in state.pieces)
    assert sum(len(s) for s, _r in state.pieces) == len(audio)
    assert np.allclose(np.concatenate([s for s, _r in state.pieces]), audio)


def test_a_state_without_the_hook_renders_as_before():
    g2p = G2P("letters", lambda text: "hˈɛloʊ")
    audio, _ = speak_line("One. Two.", g2p, _infer, NullState())
    assert len(audio) > 0
