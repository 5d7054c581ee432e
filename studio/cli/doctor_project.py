"""`studio doctor PROJECT`: the checks of one project, after the machine's own.

Which file is the script and how it reads, whether each route in stitch.toml names an
engine that is installed, and whether every file the timeline uses (takes, pictures,
music) is there. Each check is a sentence that says what to do when it fails.
"""

from __future__ import annotations

from pathlib import Path

from studio.cli.doctor import Check
from studio.errors import StudioError
from studio.project.manifest import TASKS


def project_checks(folder: Path, script: str | None = None, registry=None) -> list[Check]:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project
    from studio.render.from_project import build_timeline

    registry = registry or EngineRegistry()
    try:
        project = Project.open(Path(folder), script=script)
    except StudioError as exc:
        return [Check("project", False, exc.message)]
    found: list[Check] = []
    try:
        lines = [line for line in project.lines if project.spoken(line.id)]
        found.append(Check("script", True, f"{project.script_path.name}: “{project.title}”, {len(project.scenes)} "
                                           f"scene{'s' if len(project.scenes) != 1 else ''}, {len(lines)} spoken lines "
                                           f"(see `studio script {Path(folder).name} --show`)."))
        installed = set(registry.all_ids())
        for task in TASKS:
            for tier, engine_id in zip(("draft", "final"), project.manifest.route(task)):
                if not engine_id:
                    continue
                ok = engine_id in installed
                found.append(Check(f"route {task} {tier}", ok, f"{engine_id} is installed." if ok else
                                   f"stitch.toml routes {task} ({tier}) to {engine_id}, which is not installed: "
                                   f"set it under [routing.{task}] to one of {', '.join(sorted(installed)) or 'none'}."))
        missing_takes = [n for n, line in enumerate(project.lines, 1) if project.chosen_take(line.id) is not None
                         and not (project.folder / project.chosen_take(line.id).path).is_file()]
        found.append(Check("takes", not missing_takes, "Every take's file is there." if not missing_takes else
                           f"The takes of lines {', '.join(map(str, missing_takes))} are missing: render them again."))
        try:
            timeline = build_timeline(project)
        except StudioError as exc:
            found.append(Check("timeline", False, exc.message))
        else:
            for track in ("image", "music"):
                sources = sorted({c.source for c in timeline.track(track)})
                gone = [s for s in sources if not (project.folder / s).is_file()]
                label = "pictures" if track == "image" else "music"
                found.append(Check(label, not gone, (f"{len(sources)} in use, all there: " + ", ".join(sources[:4])
                                                     + ("…" if len(sources) > 4 else "") if sources else "none in use.")
                                   if not gone else f"Missing: {', '.join(gone)}; put them back or choose others."))
    finally:
        project.close()
    return found
