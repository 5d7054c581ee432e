"""A speech engine in its own package, to show how a third party adds one.

It follows studio.engines.base.SpeechEngine without importing the studio at module
level: the studio finds it through the `stitch.engines` entry point.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000


class EchoEngine:
    id = "echo"
    task = "tts"
    local = True
    label = "Echo (example plugin)"

    def __init__(self, store=None):
        self.store = store

    def model(self):
        from studio.engines.base import ModelRef

        return ModelRef("echo-chirps", "1")

    def voices(self) -> list[str]:
        return ["low", "high"]

    def default_voice(self) -> str:
        return "low"

    def g2p_name(self) -> str:
        return "words"

    def request(self, text, voice, speed):
        from studio.engines.base import RenderRequest

        return RenderRequest(self.id, "echo-chirps", "1", voice, float(speed), text, g2p="words")

    def estimate(self, request):
        from studio.engines.base import Cost

        return Cost(0.0, 0.01)

    def synthesize(self, request, state):
        from studio.engines.base import Audio, check_cancelled

        words = request.text.split() or [""]
        base = 300.0 if request.voice == "low" else 600.0
        pieces = []
        for i, _word in enumerate(words):
            check_cancelled(state)
            t = np.arange(int(0.15 * SAMPLE_RATE / request.speed)) / SAMPLE_RATE
            pieces.append((0.3 * np.sin(2 * np.pi * (base + 400 * t) * t)).astype(np.float32))
            state.set_progress((i + 1) / len(words), f"Word {i + 1} of {len(words)}")
        return Audio(np.concatenate(pieces), SAMPLE_RATE, {"g2p": "words"})

    def load(self, state) -> None:
        pass

    def unload(self) -> None:
        pass
