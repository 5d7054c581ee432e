"""Scripts written in other apps, read as the studio's Markdown: Word (`.docx`) and Fountain.

The studio narrates them but never writes them: the creator keeps editing them where they
wrote them, and the studio reads them again when they change. What comes out is Markdown
the script parser understands: a `TITLE:` line, `##` scenes, `NAME:` speaker labels,
`(parentheticals)` and `[directions]` that are not spoken.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from studio.errors import ProjectError
from studio.storage import decode_text

READ_ONLY_KINDS = ("docx", "fountain")


def read_script_text(path: Path) -> str:
    """The text of a script file as the parser reads it (Word and Fountain converted)."""
    return script_text(path.read_bytes(), path.name)


def script_text(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        return docx_to_markdown(data, name)
    text, _ = decode_text(data, name)
    if suffix == ".fountain":
        return fountain_to_markdown(text)
    return text


# ---- Word ---------------------------------------------------------------------------


def docx_to_markdown(data: bytes, name: str = "the document") -> str:
    """Headings become `#` headings (the document's Title style becomes its title), every
    other paragraph a paragraph; tables, comments and tracked deletions are left out."""
    import io

    try:
        import docx  # noqa: PLC0415 (python-docx: only when a Word script is opened)
    except ImportError as exc:  # pragma: no cover - installed with the studio
        raise ProjectError(f"{name} is a Word document, and python-docx is not installed to read it.") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ProjectError(
            f"{name} could not be read as a Word document ({exc}). Open it in Word and save it again "
            "as .docx; nothing was changed."
        ) from exc
    out: list[str] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.match(r"Heading\s*(\d)", style)
        if style == "Title":
            out.append(f"TITLE: {text}")
        elif level:
            out.append("#" * min(6, int(level.group(1)) + 1) + " " + text)
        else:
            out.append(text)
    return "\n\n".join(out) + ("\n" if out else "")


# ---- Fountain -----------------------------------------------------------------------

_SCENE_HEADING = re.compile(r"^(?:\.(?!\.)|(?:INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ])", re.IGNORECASE)
_TRANSITION = re.compile(r"^(?:>(?!.*<\s*$).*|[A-Z0-9 .'\-]+ TO:)$")
_CHARACTER = re.compile(r"^@?[A-Z][A-Z0-9 .'’\-]*(?:\s*\([^)]*\))?\s*\^?$")
_TITLE_KEY = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*(.*)$")


def fountain_to_markdown(text: str) -> str:
    """A screenplay as a narration: scene headings are scenes, dialogue is spoken under its
    character's name, action is spoken, parentheticals, transitions, notes and the boneyard
    are not."""
    text = re.sub(r"/\*.*?\*/", "", text.replace("\r\n", "\n").replace("\r", "\n"), flags=re.DOTALL)
    text = re.sub(r"\[\[.*?\]\]", "", text, flags=re.DOTALL)
    blocks = re.split(r"\n[ \t]*\n", text.strip("\n"))
    out: list[str] = []
    start = 0
    # The title page: key: value lines before the first blank line.
    if blocks and all(_TITLE_KEY.match(line) or line.startswith((" ", "\t")) for line in blocks[0].split("\n")):
        for line in blocks[0].split("\n"):
            match = _TITLE_KEY.match(line)
            if match and match.group(1).strip().lower() == "title" and match.group(2).strip():
                out.append("TITLE: " + re.sub(r"[_*]", "", match.group(2).strip()))
        start = 1
    for block in blocks[start:]:
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if first.startswith("#"):
            depth = len(first) - len(first.lstrip("#"))
            out.append("#" * min(6, depth + 1) + " " + first.lstrip("#").strip())
        elif _SCENE_HEADING.match(first) and len(lines) == 1:
            out.append("## " + first.lstrip(".").strip())
        elif first.startswith("=") and not first.startswith("==="):
            out.append("[" + first.lstrip("= ").strip() + "]")  # a synopsis: not spoken
        elif first.startswith("==="):
            continue  # a page break
        elif len(lines) == 1 and _TRANSITION.match(first):
            out.append("[" + first.lstrip(">").strip() + "]")
        elif len(lines) > 1 and _CHARACTER.match(first) and not first.startswith("!") and any(c.isalpha() for c in first):
            name = re.sub(r"\s*\^$", "", first.lstrip("@")).strip()
            name = re.sub(r"\s*\([^)]*\)", "", name).strip()  # (V.O.), (CONT'D)
            # Parentheticals ("(out of breath)") are how it is said, not what: kept, not spoken.
            said = [line for line in lines[1:] if not (line.startswith("(") and line.endswith(")"))]
            for line in lines[1:]:
                if line not in said:
                    out.append("[" + line[1:-1].strip() + "]")
            if said:
                out.append(f"{name}: {' '.join(said)}")
        else:
            action = " ".join(line.lstrip("!").strip() for line in lines)
            out.append(re.sub(r"^>\s*(.*?)\s*<$", r"\1", action))
    return "\n\n".join(out) + ("\n" if out else "")
