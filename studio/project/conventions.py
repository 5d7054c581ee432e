"""How creators write scripts outside the studio: titles, scene markers, speakers, directions.

Pure functions over one line of text (or one spoken line), used by the script parser
(`studio.project.script`) and by everything that turns a line into speech or captions.

- A title: `TITLE: The Keeper of Nyhavn Light` on its own line (a Markdown `# Title`
  is recognised by the parser, which sees the whole document).
- A scene marker on its own line: `[SCENE 1 - The escape artist]`, `[HOOK]`, `[INTRO]`,
  `[OUTRO]`, `SCENE 3:`, `Part 2: The storm`, `HOOK:`.
- A speaker label at the start of a paragraph: `NARRATOR: ...`, `Host: ...`, `V.O.: ...`.
- A direction: a `(...)` or `[...]` that stands on its own line, or one inside a line whose
  words are a direction (`(beat)`, `(pause)`, `[laughs]`, `(music swells)`). A pause or beat
  becomes a pause in the speech; every other direction is not spoken. Brackets that hold
  ordinary words (`(the old lighthouse)`, `[a] and [b]`) are spoken as written.
"""

from __future__ import annotations

import re

_SECTION_WORDS = r"hook|intro|introduction|outro|outroduction|cold[ -]open|opening|closing|conclusion|recap|teaser|cta|call[ -]to[ -]action|summary|sign[ -]?off"
_NUMBER_WORDS = r"\d+[a-z]?|[ivxlc]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_NUMBERED = rf"(?:scene|part|chapter|segment|section|act)\s+(?:{_NUMBER_WORDS})"

# `[SCENE 1 - The escape artist]`, `[HOOK]`, `[Intro: the harbour]`
_BRACKET_MARKER = re.compile(rf"^\[\s*((?:{_NUMBERED}|{_SECTION_WORDS})\b[^\]]*?)\s*\]$", re.IGNORECASE)
# `SCENE 3:`, `Scene 3 - Arrival`, `Part two: the storm`, `HOOK:`, `OUTRO`
_NUMBERED_MARKER = re.compile(rf"^((?:{_NUMBERED})\b(?:\s*[:.\-–—]\s*[^.!?]*|\s*:?\s*))$", re.IGNORECASE)
_SECTION_MARKER = re.compile(rf"^((?:{_SECTION_WORDS})\s*(?::\s*[^.!?]*)?)$", re.IGNORECASE)
_SECTION_CAPS = re.compile(rf"^({_SECTION_WORDS.upper()})\s*:?$")
_TITLE = re.compile(r"^title\s*:\s*(\S.*?)\s*$", re.IGNORECASE)

# `NARRATOR:`, `NARRATOR (V.O.):`, `Host:`, `V.O.:` at the start of a paragraph.
_SPEAKER = re.compile(
    r"^[ \t]*((?:[A-Z][A-Z0-9.'’\-]*(?:[ \t]+[A-Z0-9][A-Z0-9.'’\-]*){0,2}"
    r"|[Nn]arrator|[Hh]ost|[Pp]resenter|[Vv]oice[- ]?[Oo]ver|V\.?O\.?)"
    r"(?:[ \t]*\([^)\n]{0,20}\))?[ \t]*:)(?:[ \t]+|[ \t]*\r?\n|$)"
)
_NOT_SPEAKERS = {"TITLE", "NOTE", "NB", "PS", "P.S.", "TODO", "FIXME"}

_PAUSE = re.compile(r"^(?:(?:long|short|brief|small|dramatic)\s+)?(?:pause|beat)s?(?:\s+for\s+.*)?$", re.IGNORECASE)
_DIRECTION_WORDS = re.compile(
    r"^(?:laughs?|laughing|chuckles?|sighs?|smiles?|whispers?|whispering|shouts?|gestures?|pauses?"
    r"|music|sfx|sound|sound effects?|b-?roll|on[- ]screen|onscreen|visual|graphic|cut\s+to|cuts\s+to"
    r"|fade|fades|transition|title card|lower third|cue|beat|show|image|footage|clip|zoom|pan|insert)\b",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\(([^()\n]*)\)|\[([^\[\]\n]*)\](?!\()")
_WHOLLY_BRACKETED = re.compile(r"^(?:\(([^()]*)\)|\[([^\[\]]*)\])$")

# What a pause direction becomes in the text the voice reads: an ellipsis, which the
# speech engines turn into a sentence break.
PAUSE_MARK = "…"


def title_marker(content: str) -> str | None:
    """The title of a `TITLE: ...` line, else None."""
    match = _TITLE.match(content.strip())
    return match.group(1) if match else None


def scene_marker(content: str) -> str | None:
    """The scene title a marker line gives (as written, without brackets), else None."""
    content = content.strip()
    if not content or len(content) > 100:
        return None
    for pattern in (_BRACKET_MARKER, _NUMBERED_MARKER, _SECTION_CAPS):
        match = pattern.match(content)
        if match:
            return match.group(1).strip().rstrip(":").strip()
    match = _SECTION_MARKER.match(content)
    # "Intro: the harbour" is a marker; a bare "intro" in lower case is too ambiguous to be one.
    if match and (":" in content or content.isupper()):
        return match.group(1).strip().rstrip(":").strip()
    return None


def speaker_label(text: str) -> int:
    """How many characters at the start of `text` are a speaker label (0 when none)."""
    match = _SPEAKER.match(text)
    if not match:
        return 0
    name = match.group(1).rstrip(":").split("(")[0].strip()
    if name.upper() in _NOT_SPEAKERS or (name.isupper() and len(name.replace(".", "")) < 2 and name not in ("V",)):
        return 0
    if name.isupper() is False and not re.match(r"(?i)^(narrator|host|presenter|voice[- ]?over|v\.?o\.?)$", name):
        return 0
    return match.end()


def standalone_direction(content: str) -> bool:
    """A line that is wholly one `(...)` or `[...]`: a direction, never spoken."""
    content = content.strip()
    if not _WHOLLY_BRACKETED.match(content):
        return False
    if content.startswith("["):
        return _one_pair(content, "[", "]")
    return _one_pair(content, "(", ")")


def is_pause(content: str) -> bool:
    """A direction that asks for a pause: `(beat)`, `(pause)`, `[long pause]`."""
    inner = content.strip()[1:-1].strip() if content.strip()[:1] in "([" else content.strip()
    return bool(_PAUSE.match(inner))


def _one_pair(text: str, opener: str, closer: str) -> bool:
    depth = 0
    for position, char in enumerate(text):
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return position == len(text) - 1
    return False


def directions_in(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is a pause) of each direction inside a spoken line."""
    found = []
    for raw_line in _physical_lines(text):
        start, content = raw_line
        if standalone_direction(content):
            offset = start + (len(content) - len(content.lstrip()))
            found.append((offset, offset + len(content.strip()), is_pause(content)))
            continue
        for match in _BRACKETED.finditer(content):
            inner = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
            if _PAUSE.match(inner) or _DIRECTION_WORDS.match(inner):
                found.append((start + match.start(), start + match.end(), bool(_PAUSE.match(inner))))
    return found


def _physical_lines(text: str):
    position = 0
    for piece in text.split("\n"):
        yield position, piece
        position += len(piece) + 1


def spoken_text(text: str) -> str:
    """The words of a line the voice reads: its directions left out, a pause as an ellipsis."""
    found = directions_in(text)
    if not found:
        return " ".join(text.split())
    out, last = [], 0
    for start, end, pause in found:
        out.append(text[last:start])
        if pause:
            out.append(f"{PAUSE_MARK} ")
        last = end
    out.append(text[last:])
    spoken = " ".join("".join(out).split())
    # A pause sticks to the word before it ("steps… And"); one with nothing before it is dropped.
    spoken = re.sub(r"\s+" + PAUSE_MARK, PAUSE_MARK, spoken)
    spoken = re.sub(r"([.!?…,;:])" + PAUSE_MARK, r"\1", spoken)
    spoken = spoken.lstrip(PAUSE_MARK + " ")
    return spoken.strip()


def not_spoken(text: str) -> list[str]:
    """The directions inside a line, as written, for "How the studio reads your script"."""
    return [text[start:end] for start, end, _ in directions_in(text)]


_SCENE_NUMBER = re.compile(rf"^\s*(?:{_NUMBERED})\s*(?:[:.\-–—]\s*|$)", re.IGNORECASE)


def scene_name(title: str) -> str:
    """A scene's title without its own "Scene 1:" numbering: "Scene 1: Arrival" -> "Arrival"."""
    rest = _SCENE_NUMBER.sub("", title or "", count=1).strip()
    return rest or (title or "").strip()


def scene_label(number: int, title: str) -> str:
    """How a scene is named in lists: "Scene 2: Arrival"; a title that numbers itself is kept."""
    title = (title or "").strip()
    if title and _SCENE_NUMBER.match(title):
        return title
    return f"Scene {number}: {title or 'Untitled'}"


def line_name(text: str, words: int = 6) -> str:
    """A line named by its first words, quoted: "There are 1,200 steps between the…"."""
    spoken = spoken_text(text).split()
    shown = " ".join(spoken[:words]) + ("…" if len(spoken) > words else "")
    return f"“{shown}”" if shown else "(an empty line)"
