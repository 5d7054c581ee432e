"""`studio clean PROJECT [--dry-run] [--json]`: free what no take needs any more.

Self-checks, engine word timings and loudness entries are kept beside each take; emptying the
trash frees those of the takes it deletes. Older projects (or takes removed by hand) can still
hold some that belong to no take, live or in the trash: this lists them and frees them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run(args, out=None) -> int:
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(Path(args.project), script=getattr(args, "script", None))
    try:
        found = project.leftovers()
        size = found.size()
        freed = 0 if args.dry_run else project.free_leftovers(found)
    finally:
        project.close()
    if args.json:
        print(json.dumps({"files": [p.relative_to(project.folder).as_posix() for p in found.files],
                          "loudness_entries": found.levels, "bytes": size, "freed": freed}), file=out)
    elif not found.files and not found.levels:
        print("Nothing to clean: everything kept beside the takes belongs to a take.", file=out)
    else:
        what = f"{len(found.files)} file{'s' if len(found.files) != 1 else ''} ({_size(size)})"
        if found.levels:
            what += f" and {len(found.levels)} loudness entr{'ies' if len(found.levels) != 1 else 'y'}"
        print(f"{'Would free' if args.dry_run else 'Freed'} {what} that belonged to no take.", file=out)
    return 0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} bytes"


def add_parser(sub) -> None:
    clean = sub.add_parser("clean", help="free checks, timings and loudness entries that belong to no take")
    clean.add_argument("project")
    clean.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    clean.add_argument("--json", action="store_true", help="one JSON record")
    clean.add_argument("--script", metavar="NAME", help="which file in the folder is the script, when it holds several")
