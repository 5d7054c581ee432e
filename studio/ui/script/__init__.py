"""The script as the creator edits it: the scenes-and-lines editor with its state pills
(`editor.py`), the line inspector (`inspector.py`) with its takes (`takes_list.py`) and
karaoke highlight (`karaoke.py`), edits made in another editor (`watch.py`), and how the
studio reads the script (`reading.py`). It
imports the shell and `studio.ui.voice` (the inspector drives a line's voice).
"""
