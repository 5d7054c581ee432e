"""Take files a render finished but never recorded, brought back into the records.

A studio killed between writing a take's file and recording it in takes.json (or an
older studio whose records another process overwrote) leaves a WAV in `renders/` that
no take points at. When the ledger says that render completed (for a final: it was
paid), the file is recorded again as the take of the line whose request it was made
from, so nothing is rendered, or paid for, twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.errors import StudioError
from studio.project.takes import Take

if TYPE_CHECKING:
    from studio.jobs.pipeline import Voicing


def adopt_orphans(voicing: "Voicing") -> list[Take]:
    """Record every orphaned take file of the project's lines (draft or final request) that the
    ledger knows as a completed render; returns the takes recorded."""
    from studio.jobs.pipeline import finished_file, render_speech

    project = voicing.project
    done = {entry.key for entry in voicing.ledger.entries()
            if entry.status == "done" and entry.task == "tts" and entry.key}
    if not done:
        return []
    adopted = []
    tiers = ("draft", "final") if project.manifest.tts_final else ("draft",)
    for line in project.lines:
        if not line.text.strip():
            continue
        for tier in tiers:
            try:
                request = voicing.request_for(line.id, tier=tier)
            except StudioError:
                continue  # no engine for this tier on this machine: nothing to match against
            key = request.cache_key()
            if key[:20] not in done or project.takes.find_by_key(key) is not None:
                continue
            if finished_file(project.folder, key) is None:
                continue
            result = render_speech(project.folder, project.takes, line.id, request, None, None, tier=tier)
            voicing.commit(result, choose=None if tier == "draft" else False)
            adopted.append(result.take)
    return adopted
