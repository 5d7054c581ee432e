"""The script as the creator wrote it: scenes, spoken lines, and everything else kept verbatim.

The text is split into blocks whose raw text, joined, is exactly the original:
rendering an unchanged document gives back the same characters, and editing a
line rewrites only that line's block. Markdown headings start scenes; paragraphs
are spoken lines; front matter, code, comments, images, rules and `[directions]`
are kept as they are and never spoken. A `.txt` script has one scene of paragraphs.

Ids live in the blocks, so copies of a document (undo snapshots) carry them along.
`parse` gives every line and scene a fresh id; the project replaces them with the
ids it remembers (see `set_ids`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from studio.errors import ProjectError
from studio.project.conventions import scene_marker, speaker_label, standalone_direction, title_marker
from studio.project.identity import new_id

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_IMAGES_ONLY = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)\s*)+$")
_NEWLINES = re.compile(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*")
# A line ends at LF, CRLF or a lone CR (old Mac files): each keeps its own ending.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class Line:
    id: str
    scene_id: str
    text: str


@dataclass
class Scene:
    id: str
    title: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    # "blank", "heading", "line", "marker" (a scene marker such as `[SCENE 2]` or `[HOOK]`),
    # "title" (`# Title` above the scenes, `TITLE: ...`), or one kept verbatim and never
    # spoken: "front_matter", "code", "comment", "image", "rule", "direction", "speaker".
    kind: str
    raw: str  # exactly what the file holds for this block
    text: str = ""  # a line's spoken text, a heading's title
    ending: str = ""  # the newline the block ended with, kept when its text is rewritten
    level: int = 0  # heading level
    id: str = ""
    # Made by the studio: rendered with a blank line around it, so it stays its own paragraph.
    fresh: bool = False
    # A line's speaker label as written ("NARRATOR: "), kept in front of its text when it is rewritten.
    prefix: str = ""


def normalise_text(text: str) -> str:
    """One paragraph's worth of text: newlines (and blank lines) become single spaces."""
    return _NEWLINES.sub(" ", text)


class ScriptDocument:
    def __init__(self, blocks: list[Block], kind: str, newline: str, untitled_id: str):
        self.kind = kind
        self.newline = newline
        self._blocks = blocks
        # The scene of the lines before the first heading keeps its id while it comes and goes.
        self._untitled_id = untitled_id
        self._layout: tuple[list[int], list[tuple[int | None, list[int]]]] | None = None

    # ---- reading -------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, kind: str) -> "ScriptDocument":
        if kind not in ("md", "txt", "docx", "fountain"):
            raise ValueError(f"unknown script kind {kind!r}")
        first = re.search(r"\r\n|\r|\n", text)
        newline = first.group(0) if first else "\n"
        lines = _LINE.findall(text)
        # Word and Fountain scripts arrive converted to Markdown (studio.project.readers).
        blocks = _split_paragraphs(lines) if kind == "txt" else _split_markdown(lines)
        return cls(_find_title(blocks), kind, newline, new_id())

    def copy(self) -> "ScriptDocument":
        # Blocks are immutable, so a shallow copy is a full snapshot.
        return ScriptDocument(list(self._blocks), self.kind, self.newline, self._untitled_id)

    def render(self) -> str:
        out: list[str] = []
        previous: Block | None = None  # last block with content
        blank_since = False
        ends_with_newline = True
        for block in self._blocks:
            if not block.raw:
                continue
            if block.kind == "blank":
                out.append(block.raw)
                blank_since = True
                ends_with_newline = block.raw.endswith(("\n", "\r"))
                continue
            if previous is not None and (block.fresh or previous.fresh):
                if not ends_with_newline:
                    out.append(self.newline)
                if not blank_since:
                    out.append(self.newline)
            out.append(block.raw)
            previous, blank_since = block, False
            ends_with_newline = block.raw.endswith(("\n", "\r"))
        return "".join(out)

    def line_texts(self) -> list[str]:
        return [self._blocks[b].text for b in self._line_blocks()]

    def line_ids(self) -> list[str]:
        return [self._blocks[b].id for b in self._line_blocks()]

    def title(self) -> str:
        """The script's own title: a `# Title` above its scenes or a `TITLE:` line ("" when none)."""
        for block in self._blocks:
            if block.kind == "title":
                return block.text
        return ""

    def outline(self) -> list[tuple[str, str]]:
        """(kind, text) of every block that is not blank, in order: what the studio makes of
        the file ("title", "scene", "line", "speaker", "direction", "kept")."""
        out = []
        for block in self._blocks:
            if block.kind == "blank" or not block.raw:
                continue
            kind = {"heading": "scene", "marker": "scene", "title": "title", "line": "line",
                    "direction": "direction"}.get(block.kind, "kept")
            if block.kind == "line" and block.prefix.strip():
                out.append(("speaker", block.prefix.strip()))
            out.append((kind, block.text if kind != "kept" else block.raw.strip()))
        return out

    def scene_titles(self) -> list[str]:
        return [self._blocks[h].text if h is not None else "" for h, _ in self._scene_layout()]

    def scene_ids(self) -> list[str]:
        return [self._blocks[h].id if h is not None else self._untitled_id for h, _ in self._scene_layout()]

    def scenes(self) -> list[Scene]:
        line_blocks = self._line_blocks()
        result = []
        for (heading, line_indices), scene_id in zip(self._scene_layout(), self.scene_ids()):
            title = self._blocks[heading].text if heading is not None else ""
            lines = [
                Line(self._blocks[line_blocks[i]].id, scene_id, self._blocks[line_blocks[i]].text)
                for i in line_indices
            ]
            result.append(Scene(scene_id, title, lines))
        return result

    def scene_directions(self) -> dict[str, list[str]]:
        """Each scene's `[directions]`, text as written (brackets included), in order.
        A direction above the first heading and first line belongs to no scene."""
        layout, ids = self._scene_layout(), self.scene_ids()
        found: dict[str, list[str]] = {scene_id: [] for scene_id in ids}
        position = 0 if layout[0][0] is None else -1  # the untitled scene comes first
        for block in self._blocks:
            if block.kind in _SCENE_KINDS:
                position += 1
            elif block.kind == "direction" and 0 <= position < len(ids):
                found[ids[position]].append(block.text)
        return found

    # ---- ids -----------------------------------------------------------------

    def set_ids(self, line_ids: list[str | None], scene_ids: list[str | None]) -> None:
        """Replace the ids `parse` invented with remembered ones (None keeps the fresh id)."""
        for b, line_id in zip(self._line_blocks(), line_ids):
            if line_id:
                self._blocks[b] = replace(self._blocks[b], id=line_id)
        for (heading, _), scene_id in zip(self._scene_layout(), scene_ids):
            if not scene_id:
                continue
            if heading is None:
                self._untitled_id = scene_id
            else:
                self._blocks[heading] = replace(self._blocks[heading], id=scene_id)

    # ---- editing -------------------------------------------------------------

    def set_line_text(self, index: int, text: str) -> None:
        b = self._line_blocks()[index]
        block = self._blocks[b]
        text = normalise_text(text)
        if text == block.text:
            return  # keeps the block's raw text, line breaks and all
        self._blocks[b] = replace(block, text=text, raw=(block.prefix + text + block.ending) if text else "")

    def insert_line(self, after_index: int | None, text: str, scene_index: int = 0, line_id: str = "") -> int:
        """Insert a line after line `after_index`, or first in scene `scene_index`; returns its index."""
        text = normalise_text(text)
        block = Block("line", text + self.newline if text else "", text, self.newline, id=line_id or new_id(), fresh=True)
        line_blocks = self._line_blocks()
        if after_index is not None:
            position, new_index = line_blocks[after_index] + 1, after_index + 1
        else:
            layout = self._scene_layout()
            heading, line_indices = layout[scene_index]
            new_index = sum(len(lines) for _, lines in layout[:scene_index])
            if line_indices:
                position = line_blocks[line_indices[0]]
            elif heading is not None:
                position = heading + 1
            else:
                # An untitled scene without lines only exists when there is no heading at all.
                position = len(self._blocks)
        self._insert_block(position, block)
        return new_index

    def remove_line(self, index: int) -> None:
        b = self._line_blocks()[index]
        if self._blocks[b].fresh:
            # Its blank lines are added when rendering; the neighbours' own stay theirs.
            del self._blocks[b]
        # A line read from the file takes one neighbouring blank line with it, so no gap is left.
        elif b + 1 < len(self._blocks) and self._blocks[b + 1].kind == "blank":
            del self._blocks[b : b + 2]
        elif b > 0 and self._blocks[b - 1].kind == "blank":
            del self._blocks[b - 1 : b + 1]
        else:
            del self._blocks[b]
        self._layout = None

    def add_scene(self, title: str, after_scene_index: int | None = None, scene_id: str = "") -> int:
        """Add a scene after scene `after_scene_index` (None: at the end); returns its index."""
        if self.kind in ("docx", "fountain"):
            raise ProjectError("This script is edited in the app it comes from; add the scene there.")
        if self.kind != "md":
            raise ProjectError("A plain-text script has no scenes; rename it to .md to use scenes.")
        title = normalise_text(title).strip()
        layout = self._scene_layout()
        if after_scene_index is None or after_scene_index >= len(layout) - 1:
            position = len(self._blocks)
        else:
            position = layout[after_scene_index + 1][0]
        # A new scene sits at the level of the scene it follows (`##` under a `#` title).
        levels = [b.level for b in self._blocks if b.kind == "heading"]
        before = [b.level for b in self._blocks[:position] if b.kind == "heading"]
        level = before[-1] if before else (levels[0] if levels else 1)
        raw = "#" * level + (" " + title if title else "") + self.newline
        self._insert_block(position, Block("heading", raw, title, self.newline, level, scene_id or new_id(), fresh=True))
        # Counted afresh: an untitled scene without lines disappears once a heading exists.
        return [heading for heading, _ in self._scene_layout()].index(position)

    def _insert_block(self, position: int, block: Block) -> None:
        self._blocks.insert(position, block)
        self._layout = None

    # ---- layout --------------------------------------------------------------

    def _line_blocks(self) -> list[int]:
        return self._compute_layout()[0]

    def _scene_layout(self) -> list[tuple[int | None, list[int]]]:
        return self._compute_layout()[1]

    def _compute_layout(self):
        if self._layout is None:
            line_blocks: list[int] = []
            scenes: list[tuple[int | None, list[int]]] = []
            for b, block in enumerate(self._blocks):
                if block.kind in _SCENE_KINDS:
                    scenes.append((b, []))
                elif block.kind == "line":
                    if not scenes:
                        scenes.append((None, []))
                    scenes[-1][1].append(len(line_blocks))
                    line_blocks.append(b)
            if not scenes:
                scenes.append((None, []))
            self._layout = (line_blocks, scenes)
        return self._layout


# ---- splitting ---------------------------------------------------------------


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _ending(line: str) -> str:
    return line[len(_content(line)) :]


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\r\n")


def _starts_construct(content: str) -> bool:
    """Markdown that ends a paragraph even without a blank line before it."""
    return bool(
        _FENCE.match(content)
        or _HEADING.match(content)
        or _RULE.match(content)
        or content.lstrip().startswith("<!--")
    )


def _paragraph(lines: list[str], kind: str) -> Block:
    text = " ".join(_content(line).strip() for line in lines)
    return Block(kind, "".join(lines), text, _ending(lines[-1]), id=new_id() if kind == "line" else "")


def _split_paragraphs(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        j = i
        blank = _is_blank(lines[i])
        while j < len(lines) and _is_blank(lines[j]) == blank:
            j += 1
        chunk = lines[i:j]
        if blank:
            blocks.append(Block("blank", "".join(chunk)))
        else:
            blocks += _prose(chunk)
        i = j
    return blocks


def _split_markdown(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    if lines and _content(lines[0]).rstrip() in ("---", "+++"):
        marker = _content(lines[0]).rstrip()
        closers = ("---", "...") if marker == "---" else ("+++",)
        for j in range(1, len(lines)):
            if _content(lines[j]).rstrip() in closers:
                blocks.append(Block("front_matter", "".join(lines[: j + 1])))
                i = j + 1
                break
    while i < len(lines):
        content = _content(lines[i])
        if _is_blank(lines[i]):
            j = i
            while j < len(lines) and _is_blank(lines[j]):
                j += 1
            blocks.append(Block("blank", "".join(lines[i:j])))
        elif fence := _FENCE.match(content):
            mark = fence.group(1)
            closing = re.compile(r"^ {0,3}" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}[ \t]*$")
            j = i + 1
            while j < len(lines) and not closing.match(_content(lines[j])):
                j += 1
            j = min(j + 1, len(lines))
            blocks.append(Block("code", "".join(lines[i:j])))
        elif content.lstrip().startswith("<!--"):
            j = i
            start = content.index("<!--") + 4
            while j < len(lines) and "-->" not in _content(lines[j])[start if j == i else 0 :]:
                j += 1
            j = min(j + 1, len(lines))
            blocks.append(Block("comment", "".join(lines[i:j])))
        elif heading := _HEADING.match(content):
            title = (heading.group(2) or "").strip()
            blocks.append(Block("heading", lines[i], title, _ending(lines[i]), len(heading.group(1)), new_id()))
            j = i + 1
        elif _RULE.match(content):
            blocks.append(Block("rule", lines[i]))
            j = i + 1
        else:
            j = i + 1
            while j < len(lines) and not _is_blank(lines[j]) and not _starts_construct(_content(lines[j])):
                j += 1
            chunk = lines[i:j]
            if all(_IMAGES_ONLY.match(_content(line)) for line in chunk):
                blocks.append(_paragraph(chunk, "image"))
            else:
                blocks += _prose(chunk)
        i = j
    return blocks


_SCENE_KINDS = ("heading", "marker")


def _prose(chunk: list[str]) -> list[Block]:
    """A paragraph as creators write it: marker lines (`[HOOK]`, `SCENE 3:`, `TITLE: ...`) on
    their own line become their own blocks, a speaker label in front of the words is kept
    apart from them, and a paragraph of nothing but a direction is a direction."""
    blocks: list[Block] = []
    pending: list[str] = []
    for line in chunk:
        content = _content(line)
        title = title_marker(content)
        scene = None if title is not None else scene_marker(content)
        if title is None and scene is None:
            pending.append(line)
            continue
        blocks += _spoken(pending)
        pending = []
        if title is not None:
            blocks.append(Block("title", line, title, _ending(line)))
        else:
            blocks.append(Block("marker", line, scene, _ending(line), id=new_id()))
    return blocks + _spoken(pending)


def _spoken(chunk: list[str]) -> list[Block]:
    if not chunk:
        return []
    joined = " ".join(_content(line).strip() for line in chunk)
    if _is_direction(joined) or all(standalone_direction(_content(line)) for line in chunk):
        return [_paragraph(chunk, "direction")]
    raw = "".join(chunk)
    label = speaker_label(raw)
    if not label:
        return [_paragraph(chunk, "line")]
    prefix, rest = raw[:label], raw[label:]
    if not rest.strip():
        # A label with no words after it in its paragraph is not spoken at all.
        return [Block("speaker", raw, prefix.strip())]
    text = " ".join(part for part in (_content(line).strip() for line in _LINE.findall(rest)) if part)
    return [Block("line", raw, text, _ending(chunk[-1]), id=new_id(), prefix=prefix)]


def _find_title(blocks: list[Block]) -> list[Block]:
    """A Markdown `# Title` is the script's title, not a scene, when it is the first thing
    said, the only level-1 heading, and other headings or markers make the scenes."""
    headings = [b for b, block in enumerate(blocks) if block.kind in _SCENE_KINDS]
    if any(block.kind == "title" for block in blocks) or len(headings) < 2:
        return blocks
    first = headings[0]
    block = blocks[first]
    if block.kind != "heading" or block.level != 1 or not block.text:
        return blocks
    if any(blocks[b].kind == "heading" and blocks[b].level == 1 for b in headings[1:]):
        return blocks
    if any(b.kind in ("line", "speaker") for b in blocks[:first]):
        return blocks
    blocks = list(blocks)
    blocks[first] = replace(block, kind="title", id="")
    return blocks


def _is_direction(text: str) -> bool:
    """A paragraph wholly inside one pair of square brackets: `[Music swells]`."""
    if not (text.startswith("[") and text.endswith("]")):
        return False
    depth = 0
    for position, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position == len(text) - 1
    return False
