"""Qt: the window, one sub-room per panel. The only package that imports Qt.

`shell/` is the window and what every panel shares (app, main window, menus, theme,
dialogs, status, welcome, one studio per user, the Qt face of the job runner); the
panels live in `script/`, `voice/`, `images/`, `timeline/`, `money/`, `models/` and
`settings/`. A sub-room imports the shell and the layers below, not its siblings
(the exceptions, script → voice and images → money, are named in pyproject.toml).
"""
