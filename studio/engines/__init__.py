"""Engines: one protocol per task and the engines that do the work.

`base.py` (the speech protocol, `RenderRequest` and its cache key), `stt.py`,
`images.py` (the protocols for transcription and pictures; cleanup is one too),
`registry.py` (engines found through the `stitch.engines` entry points), the local
engines (`kokoro_onnx.py`, `kokoro_torch.py` over `kokoro_common.py`, `whisper.py`,
`diffusers_engine.py`, `cleanup.py`), their text and G2P helpers, and `hosted/` (HTTP
clients priced through `studio.money`; keys in `secrets.py`). It may import
`studio.models` (where weights live), `studio.money` (prices) and the base, never the
project: an engine is handed a request, not a folder.
"""
