"""The window and what every panel shares: the application (`app.py`), the main window that
assembles the panels (`main_window.py`), menus, theme, dialogs, the status bar, the
welcome screen, one studio per user (`single_instance.py`) and the Qt face of the job
runner (`jobs.py`). A sub-room may import the shell; the shell's modules other than
`app`, `main_window` and `menus` import no sub-room.
"""
