"""Engines: one protocol per task, the registry, the model store and the local engines."""
