"""`studio export PROJECT`: the project's timeline as a video, its narration alone, or its captions.

    studio export PROJECT [--preset shorts|landscape|square] [--quality final|quick] [--encoder x264|fastest|NAME]
                          [--out FILE] [--captions burn|srt|vtt|none] [--no-render] [--json]
    studio export PROJECT --narration wav|mp3 [--out FILE]
    studio export PROJECT --captions-only srt|vtt [--out FILE]

Lines without a take are rendered first with the project's draft voice when that is
free (a local model, or a server on this machine or network); a paid draft voice is
never called from here, since it needs the quote `studio render` shows; `--no-render`
refuses instead, as before. A video is exported incrementally: scenes unchanged since
the last export come from the project's cache (see render/incremental.py).

The work runs on a worker thread while this one waits, so Ctrl+C only raises a flag:
the export stops at its next step and leaves nothing under the final name. Progress
goes to stderr; `--json` prints one record of what was written on stdout.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from contextlib import closing
from pathlib import Path

from studio.errors import Cancelled, StudioError
from studio.project.look import look_of

PRESET_FOR_FORMAT = {"9:16": "shorts", "16:9": "landscape", "1:1": "square"}


def add_parsers(sub) -> None:
    from studio.render.export import CAPTION_MODES, PRESETS, QUALITIES
    from studio.render.hardware import CANDIDATES, FASTEST

    export = sub.add_parser("export", help="export the timeline as a video, the narration alone, or the captions")
    export.add_argument("project", help="the project folder")
    export.add_argument("--preset", choices=tuple(PRESETS),
                        help="video shape (default: the project's format: 9:16 shorts, 16:9 landscape, 1:1 square)")
    export.add_argument("--quality", choices=tuple(QUALITIES), default="final",
                        help="final, or quick: a quick look at the cut (x264 veryfast, same size; TITLE-PRESET-quick.mp4)")
    export.add_argument("--encoder", choices=("x264", FASTEST, *CANDIDATES), default="x264",
                        help="x264 (default), fastest (a hardware encoder where one works here), or one by name; "
                             "x264 takes over, with a sentence, where a hardware encoder fails")
    export.add_argument("--out", help="the file to write (default: exports/TITLE-PRESET.mp4)")
    export.add_argument("--captions", choices=CAPTION_MODES, default="burn",
                        help="burned into the picture, beside the video as .srt/.vtt, or none")
    what = export.add_mutually_exclusive_group()
    what.add_argument("--narration", choices=("wav", "mp3"), help="only the narration, as WAV or MP3")
    what.add_argument("--captions-only", choices=("srt", "vtt"), help="only the captions, as SRT or WebVTT")
    render = export.add_mutually_exclusive_group()
    render.add_argument("--render", action="store_true", default=True,
                        help="render the lines that have no take first, with the free draft voice (the default)")
    render.add_argument("--no-render", dest="render", action="store_false",
                        help="refuse to export while some lines have no take, rather than render them")
    export.add_argument("--json", action="store_true", help="print one JSON record of what was written")
    export.add_argument("--script", help="which script file to use when the folder holds several")
    export.add_argument("--overwrite", action="store_true",
                        help="replace the file at --out if it is there (without --out a new name is always chosen)")


def run(args, *, render=None, registry=None, out=None, err=None) -> int:
    """Run `studio export`; lines without a take are rendered first unless --no-render
    (`render` is accepted for callers of old and no longer used)."""
    from studio.project.project import Project
    from studio.render import from_project

    out, err = out or sys.stdout, err or sys.stderr
    folder = Path(args.project)
    if getattr(args, "render", True):
        code = _render_missing(folder, args, registry, err)
        if code:
            return code
    with closing(Project.open(folder, script=args.script)) as project:
        missing = from_project.lines_without_takes(project)
        if missing:
            raise from_project.LinesWithoutTakes(missing)
        timeline = from_project.build_timeline(project)
        from_project.save_timeline(project, timeline)
        cues = from_project.timeline_cues(project, timeline)
        preset = args.preset or PRESET_FOR_FORMAT.get(project.manifest.format, "shorts")
        target = _target(project, args, preset)
        work = _work(args, timeline, project.folder, target, preset, cues, look_of(project.manifest))
    try:
        record = _in_worker(work, _Progress(err, quiet=False))
    except (KeyboardInterrupt, Cancelled):
        print(f"studio: export stopped; nothing was written to {target.name}.", file=err)
        return 130
    if args.json:
        print(json.dumps(record, ensure_ascii=False), file=out)
    else:
        print(_summary(record), file=out)
    return 0


def _render_missing(folder: Path, args, registry, err) -> int:
    """Render the drafts of the lines without a take (free engines only), with progress; 0 when done."""
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing, render_lines
    from studio.jobs.premium import is_hosted
    from studio.project.project import Project
    from studio.render import from_project

    with closing(Project.open(folder, script=args.script)) as project:
        missing = from_project.lines_without_takes(project)
        if not missing:
            return 0
        voicing = Voicing(project, registry or EngineRegistry())
        engine = voicing.engine()
        if is_hosted(engine) and engine.paid:
            raise StudioError(
                f"{from_project.LinesWithoutTakes(missing).message.split(':')[0]}, and this project's draft voice "
                f"({engine.label}) is paid: render them with `studio render {folder}`, which quotes the cost "
                "first, then export again.")
        ids = [project.lines[n - 1].id for n in missing]
        print(f"Rendering {len(ids)} line{'s' if len(ids) != 1 else ''} without a take first "
              f"({getattr(engine, 'label', '') or project.manifest.tts_draft})…", file=err, flush=True)
        progress = _Progress(err, quiet=False)

        def work(state):
            done = []

            def finished(line_id, outcome):
                done.append(line_id)
                state.set_progress(len(done) / len(ids), f"Rendered line {len(done)} of {len(ids)}")

            return render_lines(voicing, ids, state, on_result=finished)

        try:
            outcomes = _in_worker(work, progress)
        except (KeyboardInterrupt, Cancelled):
            project.save()
            print("studio: stopped; the takes rendered so far are kept, and nothing was exported.", file=err)
            return 130
        project.save()
        failed = {k: v for k, v in outcomes.items() if isinstance(v, StudioError)}
        for line_id, exc in failed.items():
            print(f"studio: line {[line.id for line in project.lines].index(line_id) + 1}: {exc.message}",
                  file=err)
        return 1 if failed else 0


def _target(project, args, preset: str) -> Path:
    """Where the export goes. A file already there is never replaced unasked: --out names
    it only with --overwrite, and the default name moves on to `NAME-2`, `NAME-3`..."""
    from studio.project.paths import refuse_writing_through_link
    from studio.render.export import export_file_name

    if args.out:
        target = Path(args.out).expanduser().absolute()
        if target.exists() and not getattr(args, "overwrite", False):
            raise StudioError(f"{target.name} is already there: add --overwrite to replace it, or choose "
                              "another name with --out; nothing was exported.")
        return target
    title = project.title
    name = _slug(title)
    exports = Path(project.folder) / "exports"
    if args.narration:
        target = exports / f"{name}-narration.{args.narration}"
    elif args.captions_only:
        target = exports / f"{name}.{args.captions_only}"
    else:
        target = exports / export_file_name(title, preset, getattr(args, "quality", "final"))
    refuse_writing_through_link(project.folder, target)  # exports/ linked elsewhere: said before any work
    return _free(target)


def _free(path: Path) -> Path:
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60] or "export"


def _work(args, timeline, folder: Path, target: Path, preset: str, cues, look=None):
    """The export as one function of a state (run on a worker), returning what was written."""
    if args.captions_only:
        if not cues:
            raise StudioError("No line has words to caption: write and render some lines first.")

        def captions(state):
            from studio.render.captions import write_captions

            write_captions(target, cues, args.captions_only)
            return {"kind": "captions", "path": str(target), "cues": len(cues)}

        return captions
    if args.narration:
        def narration(state):
            from studio.render.audio import export_narration, loudness_target

            loudness = export_narration(timeline, folder, target, loudness_target(preset), state=state)
            return {"kind": "narration", "path": str(target), "duration": round(timeline.duration, 3),
                    "loudness": round(loudness, 2)}

        return narration
    if target.suffix.lower() != ".mp4":
        raise StudioError(f"A video is exported as .mp4, not {target.suffix or 'a file without a suffix'}: "
                          "change the name given to --out.")

    def video(state):
        from studio.render.export import export

        encoder = getattr(args, "encoder", "x264")
        result = export(timeline, folder, target, preset, captions=cues, captions_mode=args.captions, state=state,
                        quality=getattr(args, "quality", "final"), encoder="libx264" if encoder == "x264" else encoder,
                        look=look)
        return {"kind": "video", "path": str(result.path), "preset": result.preset, "quality": result.quality,
                "encoder": result.encoder, "segments": result.segments, "encoded_segments": result.encoded_segments,
                "notes": result.notes, "width": result.width,
                "height": result.height, "fps": result.fps, "frames": result.frames,
                "duration": round(result.duration, 3), "timeline": round(timeline.duration, 3),
                "loudness": round(result.loudness, 2), "seconds": round(result.seconds, 2),
                "sidecars": [str(p) for p in result.sidecars]}

    return video


def _in_worker(work, progress: "_Progress"):
    """Run `work(state)` on a thread; Ctrl+C here cancels it and waits until it has cleaned up."""
    from studio.jobs.task import JobState

    state = JobState(progress)
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = work(state)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="stitch-export")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        state.cancel()
        worker.join()
        progress.done()
        raise
    progress.done()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class _Progress:
    """A progress line on stderr: redrawn on a terminal, a new line per tenth elsewhere."""

    def __init__(self, err, quiet: bool):
        self.err, self.quiet = err, quiet
        self.tty = hasattr(err, "isatty") and err.isatty()
        self._last = -1
        self._lock = threading.Lock()

    def __call__(self, fraction: float, message: str) -> None:
        if self.quiet:
            return
        step = int(fraction * (100 if self.tty else 10))
        with self._lock:
            if step == self._last:
                return
            self._last = step
            text = f"{fraction:4.0%}  {message}"
            if self.tty:
                print(f"\r{text:<60}", end="", file=self.err, flush=True)
            else:
                print(text, file=self.err, flush=True)

    def done(self) -> None:
        if self.tty and not self.quiet and self._last >= 0:
            print(file=self.err, flush=True)


def _summary(record: dict) -> str:
    if record["kind"] == "captions":
        return f"{record['cues']} captions written to {record['path']}."
    if record["kind"] == "narration":
        return f"Narration ({record['duration']:.1f} s, {record['loudness']:.1f} LUFS) written to {record['path']}."
    extra = f" and {', '.join(Path(p).name for p in record['sidecars'])}" if record["sidecars"] else ""
    reused = record["segments"] - record["encoded_segments"]
    kept = f" ({reused} of {record['segments']} scenes unchanged, reused)" if reused else ""
    quick = "quick-look " if record["quality"] == "quick" else ""
    return (f"{record['width']}×{record['height']} {quick}video, {record['duration']:.2f} s, "
            f"{record['loudness']:.1f} LUFS, written to {record['path']}{extra} in {record['seconds']:.1f} s{kept}."
            + "".join(f" {note}" for note in record["notes"]))

