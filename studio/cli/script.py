"""`studio script PROJECT --show`: how the studio reads the script, before anything is rendered.

The title, each scene, each spoken line as the voice will say it, and what is not spoken
(speaker labels, directions, notes), so the creator can see their conventions were understood.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

_SHOWN = {"speaker": "not spoken (speaker)", "direction": "not spoken (direction)", "kept": "not spoken"}


def add_parsers(sub) -> None:
    script = sub.add_parser("script", help="show how the studio reads the project's script")
    script.add_argument("project", help="the project folder")
    script.add_argument("--show", action="store_true", help="print the title, scenes, lines and what is not spoken (the default)")
    script.add_argument("--json", action="store_true", help="one JSON record per part of the script")
    script.add_argument("--script", metavar="NAME", help="which file in the folder is the script, when it holds several")


def run(args, out=None) -> int:
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(Path(args.project), script=args.script)
    try:
        parts = project.reading()
        name, title = project.script_path.name, project.title
    finally:
        project.close()
    if args.json:
        for kind, text in parts:
            print(json.dumps({"kind": kind, "text": text}, ensure_ascii=False), file=out)
        return 0
    print(f"{name}, as the studio reads it", file=out)
    print(f"Title: {title}", file=out)
    scene = line = 0
    for kind, text in parts:
        if kind == "title":
            continue
        if kind == "scene":
            scene += 1
            print(f"\nScene {scene}: {text}" if not text.lower().startswith(("scene", "part")) else f"\n{text}", file=out)
        elif kind == "line":
            line += 1
            print(f"  {line:>3}. {text}", file=out)
        else:
            print(f"       {_SHOWN[kind]}: {text}", file=out)
    print(f"\n{scene} scene{'s' if scene != 1 else ''}, {line} spoken line{'s' if line != 1 else ''}.", file=out)
    return 0
