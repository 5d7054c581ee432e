"""The text a planning model reads: the studio's instructions and the project as JSON.

The project part holds what the model needs to plan and nothing private: scenes and
their lines with ids, the format and length, the voices and blends it may choose,
the pronunciation dictionary, the current image prompts and the creator's own
direction. A script the model cannot read at once is refused with a sentence that
names the limit, before any call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from studio.engines.planning import count_tokens
from studio.errors import StudioError
from studio.plan.schema import MAX_NEGATIVE, MAX_PAUSE, MAX_PROMPT, SCHEMA_ID
from studio.project.manifest import SPEED_RANGE

MAX_LINES = 1000  # one plan covers at most this many lines
WORDS_PER_MINUTE = 150  # a calm narrator


class PlanRefused(StudioError):
    """The studio will not ask for (or keep) this plan; nothing was sent or applied."""


SYSTEM = f"""You plan narrated videos for Stitch Studio. Local models do the work: a text-to-speech \
voice (Kokoro) reads each line, a diffusion model draws one image per scene. You decide what they \
should do. Answer with one JSON object that follows the schema given ({SCHEMA_ID}); no prose outside it.

- scenes: one image prompt per scene id given, at most {MAX_PROMPT} characters, concrete and visual, \
all in one shared style (put it in "style" and in every prompt), plus a negative prompt (at most \
{MAX_NEGATIVE} characters).
- pronunciations: only words the voice will likely get wrong (names, places, acronyms, numbers, \
units), each as a respelling such as KOH-koh-roh or phonemes between slashes. Skip words already in \
the dictionary unless the entry is wrong.
- lines: only lines that need direction: speed {SPEED_RANGE[0]} to {SPEED_RANGE[1]} (1.0 is normal), \
pause_after in seconds (0 to {MAX_PAUSE:g}), voice from the voices or blends listed. Use null for \
what stays as it is.
- splits and merges: suggestions for overlong lines or fragments; the creator decides.
- notes: review notes for the creator: hard-to-say sentences, inconsistent names, likely typos, a \
hook that comes too late.
Use the ids exactly as given; never invent one."""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    lines: int
    tokens: int


def project_brief(project, voices: list[str], direction: str = "") -> dict:
    """The project as the model reads it."""
    scenes = []
    for scene in project.scenes:
        prompt, source = project.prompt_and_source(scene.id)
        scenes.append({
            "scene_id": scene.id, "title": scene.title,
            "image_prompt": prompt if source != "suggested" else "",
            "negative_prompt": project.scene_negative_prompt(scene.id),
            "lines": [{"line_id": line.id, "text": line.text, "voice": project.line_voice(line.id),
                       "speed": project.line_speed(line.id), "pause_after": project.line_pause(line.id)}
                      for line in scene.lines if line.text.strip()],
        })
    words = sum(len(line.text.split()) for line in project.lines)
    return {
        "title": project.manifest.title or project.folder.name,
        "format": project.manifest.format,
        "length": {"lines": sum(len(s["lines"]) for s in scenes), "words": words,
                   "minutes": round(words / WORDS_PER_MINUTE, 1)},
        "voice": {"default": project.manifest.voice or (voices[0] if voices else ""), "speed": project.manifest.speed,
                  "voices": list(voices), "blends": project.blends()},
        "dictionary": project.pronunciations(),
        "direction": direction.strip(),
        "scenes": [s for s in scenes if s["lines"] or s["title"]],
    }


def build_prompt(project, voices: list[str], direction: str = "", *, context_tokens: int = 128_000,
                 max_tokens: int = 4096) -> Prompt:
    brief = project_brief(project, voices, direction)
    count = brief["length"]["lines"]
    if count == 0:
        raise PlanRefused("The script has no lines to plan yet: write some, then ask for a plan.")
    if count > MAX_LINES:
        raise PlanRefused(f"The script has {count} lines, more than the {MAX_LINES} one plan covers: "
                          "split it into several projects (or shorter scripts), then plan each.")
    user = ("Plan this project. Its data, as JSON:\n" + json.dumps(brief, ensure_ascii=False, indent=1))
    tokens = count_tokens(SYSTEM) + count_tokens(user)
    if tokens + max_tokens > context_tokens:
        raise PlanRefused(
            f"The script is about {tokens:,} tokens, and with {max_tokens:,} for the reply that is more than "
            f"the {context_tokens:,} the planning model reads at once: plan a shorter script, or pick a model "
            "with a larger context (context_tokens under [engines.<id>])."
        )
    return Prompt(SYSTEM, user, count, tokens)
