"""The project folder: manifest, script, takes, undo history, autosave, trash, leftovers.

Start at `project.Project.open(folder)`. Everything a creator's folder holds is read
and written here (`stitch.toml`, the script, `.stitch/`), atomically through
`studio.storage`. It imports only the base: no engines, models, money, jobs or Qt.
"""
