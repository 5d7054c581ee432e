"""The timeline dock: the tracks where clips are drawn, dragged and trimmed (`tracks.py`),
the panel that binds them to undoable `Timeline` values (`panel.py`), the header
controls (`controls.py`), keys (`keys.py`), playback (`playback.py`), the Preview dock
(`preview.py`) and the export dialog (`export_dialog.py`). It imports the shell only.
"""
