"""A plan against the project as it is now: the changes, item by item, and applying them.

`diff(project, plan)` lists every item the plan would change, each with the value
now and the value after: a scene's image prompt and negative prompt, a dictionary
entry, a line's speed, voice or pause after it. Splits and merges are suggestions and
review notes are notes: listed, never applied. An item whose value is already what the plan says is not a
change, so applying the same plan twice changes nothing the second time. Items
naming a scene or line the script no longer has (a plan made for an older script)
are listed in `missing`; the rest still apply, by id.

`apply(project, plan, ...)` applies all of them, some groups (`only`), or chosen
ones (`chosen`: change ids), as one undo step, and says what became stale: the
lines whose request changed (speed, voice, a dictionary entry they say) and the
scenes whose prompt or negative prompt changed; those re-render locally for $0, and
`premium_cost` prices a final re-render of them with the project's final engines. A
pause changes no take: the timeline lays the next line out after it (`retimed`), and
nothing renders again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from studio.errors import StudioError
from studio.plan.schema import MAX_PROMPT, Plan
from studio.project.voicebook import entry_key

GROUPS = ("prompts", "pronunciations", "direction")  # what `--only` may name: the groups that apply
APPLIED_KINDS = {"prompt": "prompts", "negative": "prompts", "pronunciation": "pronunciations",
                 "speed": "direction", "voice": "direction", "pause": "direction"}


@dataclass(frozen=True)
class Change:
    id: str  # "prompt:<scene>", "say:<word>", "speed:<line>", "voice:<line>", "pause:<line>", ...
    kind: str  # prompt, negative, pronunciation, speed, voice, pause, split, merge, note
    target: str  # the scene id, the word, the line id
    where: str  # for the creator: "Scene “Opening”", "Line 3 (“First line…”)", "the word “Kokoro”"
    old: str | None
    new: str
    detail: str = ""  # a negative prompt, a reason

    @property
    def group(self) -> str:
        return APPLIED_KINDS.get(self.kind, "notes" if self.kind == "note" else "suggestions")

    @property
    def applies(self) -> bool:
        return self.kind in APPLIED_KINDS

    def sentence(self) -> str:
        if self.kind == "note":
            return f"{self.where}: {self.new}"
        if not self.applies:
            return f"{self.where}: {self.new}" + (f" ({self.detail})" if self.detail else "")
        before = "(none)" if self.old in (None, "") else self.old
        if self.kind == "prompt":  # long: the new prompt first, what it replaces after
            return f"{self.where}: {self.new} (was: {before})"
        if self.kind == "pause":
            return f"{self.where}: pause after: {before} → {self.new}"
        return f"{self.where}: {before} → {self.new}"

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "group": self.group, "target": self.target, "where": self.where,
                "old": self.old, "new": self.new, "detail": self.detail, "applies": self.applies}


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)  # what applying would change
    suggestions: list[Change] = field(default_factory=list)  # splits, merges: never applied
    notes: list[Change] = field(default_factory=list)
    unchanged: int = 0  # items already as the plan says
    missing: list[str] = field(default_factory=list)  # items for scenes or lines no longer in the script

    def to_dict(self) -> dict:
        return {"changes": [c.to_dict() for c in self.changes], "suggestions": [c.to_dict() for c in self.suggestions],
                "notes": [c.to_dict() for c in self.notes], "unchanged": self.unchanged, "missing": self.missing}


@dataclass
class Applied:
    applied: list[Change]
    missing: list[str]
    stale_lines: list[str]  # line ids whose take no longer matches their request
    stale_scenes: list[str]  # scene ids whose image no longer matches its prompt
    label: str = "Apply plan"
    retimed: list[str] = field(default_factory=list)  # line ids with a new pause after them: only the timeline moves

    def sentence(self) -> str:
        if not self.applied:
            return "Nothing to change: the project already follows this plan."
        lines, scenes = len(self.stale_lines), len(self.stale_scenes)
        text = (f"Applied {len(self.applied)} change{'s' if len(self.applied) != 1 else ''}: {lines} line"
                f"{'s' if lines != 1 else ''} and {scenes} scene{'s' if scenes != 1 else ''} to render again "
                "(locally, free).")
        if self.retimed:
            pauses = len(self.retimed)
            text += (f" {pauses} new pause{'s' if pauses != 1 else ''} after a line move{'s' if pauses == 1 else ''} "
                     "the timeline (nothing to render).")
        if self.missing:
            text += f" {len(self.missing)} item{'s' if len(self.missing) != 1 else ''} no longer match the script."
        return text

    def to_dict(self) -> dict:
        return {"applied": [c.to_dict() for c in self.applied], "missing": self.missing,
                "stale_lines": self.stale_lines, "stale_scenes": self.stale_scenes, "retimed": self.retimed,
                "sentence": self.sentence()}


def _quote(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= width else text[: width - 1] + '…'}”"


def styled(prompt: str, style: str) -> str:
    """The scene's prompt with the plan's shared style, unless it says it already."""
    prompt, style = " ".join(prompt.split()), " ".join(style.split())
    if style and style.casefold() not in prompt.casefold():
        joined = f"{prompt.rstrip(' ,.')}, {style}"
        if len(joined) <= MAX_PROMPT:
            return joined
    return prompt


def diff(project, plan: Plan) -> Diff:
    out = Diff()
    reply = plan.reply
    scenes = {scene.id: scene for scene in project.scenes}
    numbers = {line.id: n for n, line in enumerate(project.lines, 1)}

    def line_where(line_id: str) -> str:
        return f"Line {numbers[line_id]} ({_quote(project.line(line_id).text)})"

    def gone_line(line_id: str, what: str) -> bool:
        if line_id in numbers:
            return False
        was = plan.script.get(line_id, "")
        out.missing.append(f"{what} for a line no longer in the script" + (f" ({_quote(was)})" if was else ""))
        return True

    for item in reply.scenes:
        scene = scenes.get(item.scene_id)
        if scene is None:
            title = plan.scene_titles.get(item.scene_id, item.scene_id)
            out.missing.append(f"The image prompt for scene “{title}”, no longer in the script")
            continue
        title = scene.title or "untitled"
        new, old = styled(item.prompt, reply.style), project.scene_prompt(scene.id)
        if new == old:
            out.unchanged += 1
        else:
            out.changes.append(Change(f"prompt:{scene.id}", "prompt", scene.id, f"Scene “{title}”", old, new,
                                      item.negative_prompt))
        negative = " ".join(item.negative_prompt.split())
        if negative:  # an empty one says nothing: it never clears the creator's
            old = project.scene_negative_prompt(scene.id)
            if negative == old:
                out.unchanged += 1
            else:
                out.changes.append(Change(f"negative:{scene.id}", "negative", scene.id,
                                          f"Negative prompt of scene “{title}”", old, negative))
    book = project.pronunciations()
    for item in reply.pronunciations:
        key = entry_key(item.word)
        if book.get(key) == item.say:
            out.unchanged += 1
            continue
        out.changes.append(Change(f"say:{key}", "pronunciation", key, f"The word “{item.word}”", book.get(key), item.say))
    for item in reply.lines:
        if gone_line(item.line_id, "Direction"):
            continue
        where = line_where(item.line_id)
        if item.speed is not None:
            old = project.speed_of(item.line_id)
            if abs(old - item.speed) < 1e-9:
                out.unchanged += 1
            else:
                out.changes.append(Change(f"speed:{item.line_id}", "speed", item.line_id, where,
                                          f"{old:g}×", f"{item.speed:g}×"))
        if item.voice is not None:
            old = project.voice_of(item.line_id)
            if old == item.voice:
                out.unchanged += 1
            else:
                out.changes.append(Change(f"voice:{item.line_id}", "voice", item.line_id, where, old or "(default)", item.voice))
        if item.pause_after is not None:
            old = project.line_pause(item.line_id)
            if old is not None and abs(old - item.pause_after) < 1e-9:
                out.unchanged += 1
            else:
                out.changes.append(Change(f"pause:{item.line_id}", "pause", item.line_id, where,
                                          "usual gap" if old is None else f"{old:g} s", f"{item.pause_after:g} s"))
    for item in reply.splits:
        if not gone_line(item.line_id, "A split"):
            out.suggestions.append(Change(f"split:{item.line_id}", "split", item.line_id, line_where(item.line_id), None,
                                          "split into " + " / ".join(_quote(p, 30) for p in item.parts), item.reason))
    for item in reply.merges:
        if not any(gone_line(i, "A merge") for i in item.line_ids):
            where = " + ".join(f"line {numbers[i]}" for i in item.line_ids).capitalize()
            out.suggestions.append(Change("merge:" + "+".join(item.line_ids), "merge", item.line_ids[0], where, None,
                                          f"merge into {_quote(item.text, 60)}" if item.text else "merge them", item.reason))
    for n, item in enumerate(reply.notes):
        where = line_where(item.line_id) if item.line_id in numbers else "The script"
        out.notes.append(Change(f"note:{n}", "note", item.line_id or "", f"{where} [{item.kind}]", None, item.text))
    return out


def _line_inputs(project, registry=None) -> dict:
    """Per line with words: its draft request's key (with a registry), else what goes into it."""
    if registry is not None:
        from studio.jobs.pipeline import Voicing

        voicing = Voicing(project, registry)
        try:
            engine = voicing.engine()
        except StudioError:
            engine = None
        if engine is not None:
            return {line.id: voicing.current_key(line.id) for line in project.lines if line.text.strip()}
    return {line.id: (project.speed_of(line.id), project.voice_spec_of(line.id), project.pronunciations_used(line.id))
            for line in project.lines if line.text.strip()}


def apply(project, plan: Plan, *, only=None, chosen=None, registry=None, label: str = "Apply plan") -> Applied:
    """Apply the plan's changes (all, the groups in `only`, or the change ids in `chosen`) as one undo step.

    With `registry`, a line counts as stale when its draft request changes (an engine that
    does not apply the dictionary is not made stale by it); without, when its inputs do."""
    only = set(only or GROUPS)
    unknown = only - set(GROUPS)
    if unknown:
        raise StudioError(f"There is no part of a plan called {', '.join(sorted(unknown))}: use "
                          f"{', '.join(GROUPS)}.")
    found = diff(project, plan)
    picked = [c for c in found.changes if c.group in only and (chosen is None or c.id in set(chosen))]
    lines_before = _line_inputs(project, registry)
    def looks():  # what decides each scene's image
        return {s.id: (project.scene_prompt(s.id), project.scene_negative_prompt(s.id)) for s in project.scenes}

    prompts_before = looks()
    pauses_before = {line.id: project.line_pause(line.id) for line in project.lines}
    with project.one_step(label):
        for change in picked:
            if change.kind == "prompt":
                project.set_scene_prompt(change.target, change.new)
            elif change.kind == "negative":
                project.set_scene_negative_prompt(change.target, change.new)
            elif change.kind == "pause":
                project.set_line_pause(change.target, float(change.new.removesuffix(" s")))
            elif change.kind == "pronunciation":
                project.set_pronunciation(change.target, change.new)
            elif change.kind == "speed":
                project.set_line_speed(change.target, float(change.new.rstrip("×")))
            elif change.kind == "voice":
                project.set_line_voice(change.target, change.new)
    lines_after = _line_inputs(project, registry)
    stale_lines = [i for i, inputs in lines_after.items() if lines_before.get(i) != inputs]
    prompts_after = looks()
    stale_scenes = [s.id for s in project.scenes if prompts_before.get(s.id) != prompts_after[s.id]]
    retimed = [line.id for line in project.lines if pauses_before.get(line.id) != project.line_pause(line.id)]
    return Applied(picked, found.missing, stale_lines, stale_scenes, label, retimed)


@dataclass(frozen=True)
class PremiumCost:
    money: Decimal | None  # None: no final engine, or it cannot be priced
    sentence: str


def premium_cost(project, registry, line_ids, scene_ids) -> PremiumCost:
    """What a final (premium) re-render of these lines and scenes would cost; sends nothing."""
    from studio.money.prices import format_money
    from studio.jobs.image_final import final_image_engine, quote_final_image
    from studio.jobs.imaging import draft_budget
    from studio.jobs.pipeline import Voicing
    from studio.jobs.premium import quote_final

    total, said = Decimal(0), []
    if line_ids:
        if project.manifest.tts_final:
            try:
                quote = quote_final(Voicing(project, registry), list(line_ids))
                total += quote.money
                said.append(f"voice: {format_money(quote.money)} with {quote.label}")
            except StudioError as exc:
                said.append(f"voice: not priced ({exc.message})")
        else:
            said.append("voice: no final engine set")
    if scene_ids:
        if project.manifest.image_final:
            try:
                quote = quote_final_image(project, final_image_engine(project, registry), draft_budget(project), list(scene_ids))
                total += quote.money
                said.append(f"images: {format_money(quote.money)} with {quote.label}")
            except StudioError as exc:
                said.append(f"images: not priced ({exc.message})")
        else:
            said.append("images: no final engine set")
    priced = any(": $" in s for s in said)
    head = f"A premium re-render of them would cost about {format_money(total)}" if priced else "No premium re-render is priced"
    return PremiumCost(total if priced else None, f"{head} ({'; '.join(said) or 'nothing changed'}).")
