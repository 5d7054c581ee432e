"""The creator's settings, declared once, stored in the platform's config folder.

`$STITCH_CONFIG_DIR` overrides the folder (tests always set it). The file has a
schema version; an unreadable file is set aside, never silently overwritten.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from studio.errors import StorageError
from studio.storage import atomic_write_json, read_json

SCHEMA = 1
MAX_RECENT = 10


def config_dir() -> Path:
    env = os.environ.get("STITCH_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("StitchStudio", appauthor=False))


def data_dir() -> Path:
    env = os.environ.get("STITCH_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("StitchStudio", appauthor=False))


@dataclass
class Settings:
    schema: int = SCHEMA
    recent_projects: list[str] = field(default_factory=list)
    autosave_seconds: int = 20
    preview_delay_ms: int = 700  # pause in typing before a line is previewed
    final_ask_under: float = 0.0  # dollars: a final render quoted under this is not confirmed again (0: always ask)
    check_takes: bool = True  # listen to each new take and compare it with its line
    problem: str = ""  # a sentence about a settings file that could not be read

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> "Settings":
        path = cls.path()
        try:
            raw = read_json(path, default={})
        except StorageError as exc:
            backup = path.with_suffix(".unreadable.json")
            try:
                path.replace(backup)
            except OSError:
                pass
            return cls(problem=f"{exc} It was set aside as {backup.name}; defaults are in use.")
        if not isinstance(raw, dict):
            raw = {}
        known = {f.name for f in fields(cls)} - {"problem"}
        values = {k: v for k, v in raw.items() if k in known}
        settings = cls(**values)
        settings.recent_projects = [p for p in settings.recent_projects if isinstance(p, str)]
        settings.schema = SCHEMA
        return settings

    def save(self) -> None:
        data = asdict(self)
        data.pop("problem")
        atomic_write_json(self.path(), data)

    def add_recent(self, folder: Path | str) -> None:
        folder = str(Path(folder).resolve())
        self.recent_projects = [folder] + [p for p in self.recent_projects if p != folder]
        del self.recent_projects[MAX_RECENT:]
