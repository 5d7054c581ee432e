"""The project folder: manifest, script, takes, undo history, autosave, atomic storage."""
