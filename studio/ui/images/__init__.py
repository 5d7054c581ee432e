"""The Images dock: the panel (`panel.py`), the grid of takes (`grid.py`) and its
thumbnails (`thumbs.py`), the image jobs (`renders.py`), the cleanup dialog
(`cleanup.py`) and Render final for a scene image (`final.py`). It imports the shell and
`studio.ui.money` (a final image is confirmed with the voice finals' dialog).
"""
