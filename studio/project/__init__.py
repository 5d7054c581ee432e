"""The project folder: manifest, script, takes, undo history, autosave, atomic storage.

Start at `project.Project.open(folder)`. Nothing here imports Qt, engines or jobs.
"""
