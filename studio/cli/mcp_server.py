"""`studio mcp PROJECT`: a Model Context Protocol server, so an outside agent does the thinking.

Claude, Codex or any MCP client connects over stdio (or streamable HTTP on
127.0.0.1 with `--http PORT`) and drives the studio's local models through tools,
each a thin call into the code the CLI and the window use: read the script and each
line's state, set a scene's image prompt, add a pronunciation, set a line's speed or
voice, render lines (draft, local), self-check lines, render scene images, propose a
plan (the plan schema of `studio plan`, shown as the same diff) and apply it (one
undo step), undo, export. Every edit is saved to the project at once, so the window
sees it (and can undo what was applied from a plan).

Paid work (final renders, a hosted draft engine) is refused unless the server was
started with `--budget DOLLARS`: the most this session may spend, on top of the
project's own cap, and every paid call is in the ledger as usual. The `mcp` SDK is
imported only when the server starts.
"""

from __future__ import annotations

import functools
import json
import threading
from decimal import Decimal
from pathlib import Path

from studio.engines.base import NullState
from studio.money.prices import format_money, money
from studio.errors import StudioError

INSTRUCTIONS = (
    "Stitch Studio: a narrated-video project. Read the script with read_script; every line and scene has an id. "
    "Plan with set_image_prompt, add_pronunciation, set_line, or propose_plan (the plan schema) then apply_plan. "
    "render_lines renders draft takes with the local voice (free); check_lines self-checks them; "
    "render_scene_images draws the scenes locally; export writes the video. Paid renders need a session budget."
)


def add_parser(sub) -> None:
    mcp = sub.add_parser("mcp", help="a Model Context Protocol server for outside agents (stdio)")
    mcp.add_argument("project", help="the project folder")
    mcp.add_argument("--budget", type=float, default=None, metavar="DOLLARS",
                     help="what paid actions may spend in this session (none without it)")
    mcp.add_argument("--http", type=int, default=None, metavar="PORT",
                     help="serve streamable HTTP on 127.0.0.1:PORT instead of stdio")
    mcp.add_argument("--script", help="which script file to use when the folder holds several")


class Studio:
    """The tools' side: one open project, the engines, and this session's budget."""

    def __init__(self, folder, registry=None, budget: float | None = None, script: str | None = None):
        from studio.engines.registry import EngineRegistry
        from studio.money.ledger import project_ledger
        from studio.project.project import Project

        self.project = Project.open(Path(folder), script=script)
        self.registry = registry or EngineRegistry()
        self.budget = None if budget is None else money(budget)
        self.ledger = project_ledger(self.project.folder)
        self._start = len(self.ledger.entries())
        self.lock = threading.Lock()  # tools run on worker threads; the project is used by one at a time

    def close(self) -> None:
        self.project.close()

    # ---- money ------------------------------------------------------------------------

    def session_spent(self) -> Decimal:
        return sum((e.charged for e in self.ledger.entries()[self._start:]), Decimal(0))

    def session_left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.session_spent()

    def _allow_paid(self, amount: Decimal, what: str) -> None:
        if amount <= 0:
            return
        if self.budget is None:
            raise StudioError(f"{what} costs money (about {format_money(amount)}), and this MCP session has no budget: "
                              "the creator must start it with `studio mcp PROJECT --budget DOLLARS`.")
        left = self.session_left()
        if amount > left:
            raise StudioError(f"{what} would cost about {format_money(amount)}, more than the "
                              f"{format_money(max(left, Decimal(0)))} left of this session's {format_money(self.budget)}.")

    def _voicing(self):
        from studio.jobs.pipeline import Voicing

        return Voicing(self.project, self.registry)

    def _line_ids(self, lines) -> list[str]:
        from studio.cli.premium import pick_lines

        return pick_lines(self.project, [str(n) for n in lines] if lines else None)

    def _scene(self, scene: str):
        from studio.cli.images import pick_scenes

        return pick_scenes(self.project, [str(scene)])[0][1]

    # ---- tools ------------------------------------------------------------------------

    def read_script(self) -> dict:
        """The script: scenes (id, title, image prompt and negative prompt, image state) and lines (id, number,
        text, voice, speed, pause after, state: none/draft/stale/final/failed..., chosen take, self-check), the
        dictionary, voices, blends, budget."""
        from studio.plan.run import project_voices

        project, voicing = self.project, self._voicing()
        numbers = {line.id: n for n, line in enumerate(project.lines, 1)}
        scenes = []
        for scene in project.scenes:
            prompt, source = project.prompt_and_source(scene.id)
            lines = []
            for line in scene.lines:
                take = project.chosen_take(line.id)
                lines.append({"id": line.id, "number": numbers[line.id], "text": line.text,
                              "voice": project.voice_of(line.id), "speed": project.speed_of(line.id),
                              "pause_after": project.line_pause(line.id),
                              "state": voicing.line_state(line.id) if line.text.strip() else "empty",
                              "take": take.path if take else None, "seconds": round(take.duration, 2) if take else None,
                              "check": project.check_state(line.id)})
            scenes.append({"id": scene.id, "title": scene.title, "image_prompt": prompt, "prompt_from": source,
                           "negative_prompt": project.scene_negative_prompt(scene.id),
                           "image": project.image_state(scene.id), "lines": lines})
        left = self.session_left()
        return {"title": project.manifest.title or project.folder.name, "format": project.manifest.format,
                "scenes": scenes, "dictionary": project.pronunciations(), "voices": project_voices(project, self.registry),
                "blends": project.blends(),
                "session_budget": None if left is None else {"cap": f"{self.budget:f}", "left": f"{left:f}"}}

    def set_image_prompt(self, scene: str, prompt: str) -> str:
        """Set a scene's image prompt (scene id or number from 1)."""
        found = self._scene(scene)
        self.project.set_scene_prompt(found.id, prompt)
        self.project.save()
        return f"Scene “{found.title}” now has the prompt: {self.project.scene_prompt(found.id)}"

    def add_pronunciation(self, word: str, say: str) -> str:
        """Add or change a dictionary entry: a respelling (KOH-koh-roh) or phonemes between slashes."""
        from studio.plan.schema import Pronunciation

        try:
            entry = Pronunciation(word=word, say=say)
        except ValueError as exc:
            raise StudioError(f"'{say}' is not a form the dictionary takes: {str(exc).splitlines()[-1]}") from None
        self.project.set_pronunciation(entry.word, entry.say)
        return f"“{entry.word}” is now said {entry.say}."

    def set_line(self, line: str, speed: float | None = None, voice: str | None = None,
                 pause_after: float | None = None) -> str:
        """Set a line's speed (0.5 to 2.0), voice (a voice or blend name) and/or the pause after it (seconds,
        0 to 10: the silence before the next line on the timeline); line id or number from 1."""
        [line_id] = self._line_ids([line])
        with self.project.one_step("Set line"):
            if speed is not None:
                self.project.set_line_speed(line_id, speed)
            if voice is not None:
                self.project.set_line_voice(line_id, voice)
            if pause_after is not None:
                self.project.set_line_pause(line_id, pause_after)
        self.project.save()
        pause = self.project.line_pause(line_id)
        return (f"Line {line} now: speed {self.project.speed_of(line_id):g}, voice {self.project.voice_of(line_id) or '(default)'}, "
                f"pause after {'the usual gap' if pause is None else f'{pause:g} s'}.")

    def render_lines(self, lines: list[str] | None = None) -> list[dict]:
        """Render draft takes with the local voice (free) for these lines (ids or numbers; default: every line
        without a current take). Returns each line's take and state."""
        voicing = self._voicing()
        engine = voicing.engine()
        ids = self._line_ids(lines) if lines else voicing.lines_to_render()
        if not getattr(engine, "local", True):
            total = sum((engine.quote(voicing.request_for(i)).money for i in ids), Decimal(0))
            self._allow_paid(total, f"Rendering {len(ids)} line(s) with {engine.label}")
        out = []
        for line_id in ids:
            try:
                result = voicing.render_line(line_id, NullState())
                voicing.commit(result)
                out.append({"line": line_id, "status": "cached" if result.cached else "rendered", "take": result.take.path,
                            "seconds": round(result.take.duration, 2), "state": voicing.line_state(line_id)})
            except StudioError as exc:
                self.project.set_failed(line_id, exc.message)
                out.append({"line": line_id, "status": "failed", "error": exc.message})
        self.project.save()
        return out

    def render_final_lines(self, lines: list[str]) -> list[dict]:
        """Premium takes with the project's final voice engine (paid: needs the session budget)."""
        from studio.jobs.premium import quote_final

        voicing = self._voicing()
        ids = self._line_ids(lines)
        quote = quote_final(voicing, ids)
        self._allow_paid(quote.money if quote.paid else Decimal(0), f"A final render of {len(ids)} line(s)")
        out = []
        for line_id in ids:
            result = voicing.render_final(line_id, NullState())
            voicing.commit(result)
            out.append({"line": line_id, "take": result.take.path, "cached": result.cached})
        self.project.save()
        return out

    def check_lines(self, lines: list[str] | None = None) -> list[dict]:
        """Self-check chosen takes: transcribe them locally and compare with the script (word error rate, differences)."""
        from studio.jobs.listen import check_lines
        from studio.jobs.selfcheck import project_listener

        listener = project_listener(self.project, self.registry)
        if not getattr(listener.engine, "local", True):
            self._allow_paid(Decimal("0.01"), "A self-check with a hosted transcription engine")
        records = check_lines(self.project, listener, NullState())
        wanted = set(self._line_ids(lines)) if lines else None
        return [r for r in records if wanted is None or r["line"] in wanted]

    def render_scene_images(self, scenes: list[str] | None = None) -> list[dict]:
        """Draw scene images with the local image engine for these scenes (ids or numbers; default: those without one)."""
        from studio.cli.images import pick_scenes
        from studio.jobs import imaging

        project = self.project
        engine = imaging.image_engine(project, self.registry)
        wanted = pick_scenes(project, [str(s) for s in scenes] if scenes else None)
        if not scenes:
            wanted = [(n, s) for n, s in wanted if project.image_state(s.id) not in ("chosen", "current")]
        if not getattr(engine, "local", True):
            self._allow_paid(Decimal("0.01") * len(wanted), f"Drawing {len(wanted)} scene(s) with {engine.label}")
        out = []
        for number, scene in wanted:
            try:
                result = imaging.generate(project.folder, project.image_takes, scene.id, project.scene_prompt(scene.id),
                                          project.manifest.format, engine, NullState(), budget=imaging.draft_budget(project),
                                          negative_prompt=project.scene_negative_prompt(scene.id))
                imaging.commit(project, result)
                out.append({"scene": scene.id, "number": number, "status": "cached" if result.cached else "rendered",
                            "image": result.take.path})
            except StudioError as exc:
                out.append({"scene": scene.id, "number": number, "status": "failed", "error": exc.message})
        return out

    def propose_plan(self, plan: dict) -> dict:
        """Propose a plan in the plan schema (style, scenes, pronunciations, lines, splits, merges, notes). It is
        checked, kept in the project's plans, and returned as the diff; nothing changes until apply_plan."""
        from studio.plan.parse import BadReply, keep_known, parse_reply
        from studio.plan.diff import diff
        from studio.plan.run import project_voices
        from studio.plan.schema import Plan
        from studio.plan.store import save_plan
        from datetime import datetime, timezone

        project = self.project
        try:
            reply = parse_reply(json.dumps(plan))
        except BadReply as exc:
            raise StudioError(f"{exc.message} Problems: " + "; ".join(exc.problems)) from None
        reply, dropped = keep_known(reply, [s.id for s in project.scenes], [line.id for line in project.lines],
                                    project_voices(project, self.registry))
        kept = Plan(made=datetime.now(timezone.utc).isoformat(timespec="seconds"), engine="mcp", model="outside agent",
                    script={line.id: line.text for line in project.lines},
                    scene_titles={s.id: s.title for s in project.scenes}, reply=reply, dropped=dropped)
        path = save_plan(project.folder, kept)
        return {"plan": path.name, "dropped": dropped, **diff(project, kept).to_dict()}

    def apply_plan(self, plan: str | None = None, only: list[str] | None = None, changes: list[str] | None = None) -> dict:
        """Apply a kept plan (default: the newest) as one undo step: all of it, some parts (only: prompts,
        pronunciations, direction) or chosen change ids. Says which lines and scenes must render again."""
        from studio.plan.diff import apply, premium_cost
        from studio.plan.store import find_plan, load_plan

        path = find_plan(self.project.folder, plan)
        done = apply(self.project, load_plan(path), only=only, chosen=changes, registry=self.registry)
        self.project.save()
        cost = premium_cost(self.project, self.registry, done.stale_lines, done.stale_scenes)
        return {**done.to_dict(), "plan": path.name, "premium": cost.sentence}

    def undo(self) -> str:
        """Undo the last edit (an applied plan is one)."""
        label = self.project.undo_label
        if not self.project.undo():
            return "Nothing to undo."
        self.project.save()
        return f"Undid: {label}."

    def export(self, preset: str | None = None, captions: str = "burn") -> dict:
        """Export the video (preset shorts, landscape or square; captions burn, srt, vtt or none)."""
        import argparse
        import io

        from studio.cli import export as export_command

        self.project.save()
        args = argparse.Namespace(project=str(self.project.folder), preset=preset, out=None, captions=captions,
                                  narration=None, captions_only=None, render=False, json=True, script=None)
        out, err = io.StringIO(), io.StringIO()
        code = export_command.run(args, registry=self.registry, out=out, err=err)
        if code != 0:
            raise StudioError(err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else "The export stopped.")
        return json.loads(out.getvalue().strip().splitlines()[-1])


TOOLS = ("read_script", "set_image_prompt", "add_pronunciation", "set_line", "render_lines", "render_final_lines",
         "check_lines", "render_scene_images", "propose_plan", "apply_plan", "undo", "export")


def build_server(studio: Studio):
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("stitch-studio", instructions=INSTRUCTIONS, log_level="WARNING")
    for name in TOOLS:
        method = getattr(studio, name)

        def tool(*args, _method=method, **kwargs):
            with studio.lock:
                try:
                    return _method(*args, **kwargs)
                except StudioError as exc:
                    raise ToolError(exc.message) from None

        functools.update_wrapper(tool, method)
        server.add_tool(tool, name=name, description=method.__doc__)
    return server


def run(args) -> int:
    studio = Studio(args.project, budget=args.budget, script=args.script)
    try:
        server = build_server(studio)
        if args.http is not None:
            server.run("streamable-http", host="127.0.0.1", port=int(args.http))
        else:
            server.run("stdio")
    finally:
        studio.close()
    return 0
