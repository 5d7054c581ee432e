"""`studio images PROJECT [--scenes N|ID ...] [--json]`: an image for every scene that has none.

A scene is rendered when it has no image of its current prompt and the creator has
not chosen one; a second run renders nothing. Missing weights stop the run with
their sentence (exit 2); a scene that fails is reported and the others go on.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from studio.errors import Cancelled, MissingWeights, StudioError


def add_parsers(sub) -> None:
    images = sub.add_parser("images", help="render an image for every scene that has none")
    images.add_argument("project", help="the project folder")
    images.add_argument("--scenes", nargs="+", metavar="N", help="only these scenes (numbers from 1, or ids)")
    images.add_argument("--json", action="store_true", help="print one JSON record per scene")
    images.add_argument("--side", type=int, metavar="PIXELS",
                        help="about this many pixels a side, in the project's format (default: the model's own)")
    images.add_argument("--script", help="which script file to use when the folder holds several")


def run(args, *, registry=None, out=None) -> int:
    return render_images(Path(args.project), scenes=args.scenes, as_json=args.json, script=args.script,
                         side=args.side, registry=registry, out=out)


def render_images(folder: Path, *, scenes=None, as_json: bool = False, script: str | None = None,
                  side: int | None = None, registry=None, out=None) -> int:
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs import imaging
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    counts = {"rendered": 0, "cached": 0, "current": 0, "failed": 0}
    started = time.perf_counter()
    try:
        wanted = pick_scenes(project, scenes)
        engine = imaging.image_engine(project, registry or EngineRegistry())
        engine.model()  # no weights: one sentence before any scene, not one per scene
        for number, scene in wanted:
            record = {"scene": scene.id, "number": number, "title": scene.title, "take": None}
            state = project.image_state(scene.id)
            if state in ("chosen", "current"):
                take = project.chosen_image(scene.id)
                record.update(status="current", take=take.path if take else None)
            else:
                prompt = project.scene_prompt(scene.id)
                if not as_json:
                    print(f"[scene {number}] {prompt[:70]}", file=sys.stderr, flush=True)
                try:
                    result = imaging.generate(project.folder, project.image_takes, scene.id, prompt,
                                              project.manifest.format, engine, NullState(), side=side,
                                              budget=imaging.draft_budget(project),
                                              negative_prompt=project.scene_negative_prompt(scene.id))
                except StudioError as exc:
                    if isinstance(exc, MissingWeights):
                        raise  # every scene would say the same: stop with the sentence
                    record.update(status="failed", error=exc.message)
                else:
                    imaging.commit(project, result)
                    record.update(status="cached" if result.cached else "rendered", take=result.take.path,
                                  seed=result.take.seed, seconds=round(result.seconds, 3))
            counts[record["status"]] += 1
            if as_json:
                print(json.dumps(record, ensure_ascii=False), file=out, flush=True)
    except (KeyboardInterrupt, Cancelled):
        print("studio: stopped; the images rendered so far are kept.", file=sys.stderr)
        return 130
    finally:
        project.close()
    if not as_json:
        print(f"{len(wanted)} scenes: {counts['rendered']} rendered, {counts['cached']} reused, "
              f"{counts['current']} already had an image, {counts['failed']} failed — "
              f"{time.perf_counter() - started:.1f} s.", file=out)
    return 1 if counts["failed"] else 0


def pick_scenes(project, scenes) -> list:
    """(number from 1, scene) pairs for numbers or ids; every scene when none are named."""
    numbered = list(enumerate(project.scenes, 1))
    if not scenes:
        return numbered
    picked = []
    for wanted in scenes:
        match = [(n, s) for n, s in numbered if str(n) == wanted or s.id == wanted]
        if not match:
            raise StudioError(f"There is no scene '{wanted}': the scenes are numbered 1 to {len(numbered)}.")
        picked += [m for m in match if m not in picked]
    return picked
