"""Render final for a scene image: the project's final image engine, priced, inside the budget.

`quote_final_image` is what the confirm dialog shows (engine, estimated cost, budget
left); `render_final_image` is the worker side: the budget is checked and the estimate
held before any traffic (`ledger.render_paid`), the picture is written like any other
image take, and its take (kind "final") lands beside the drafts, not chosen. What the
provider charged is recorded, even for a call cancelled after its reply arrived. The
same prompt and seed again finds the final on disk: free, and recorded as a cache hit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from studio.engines.base import TaskState
from studio.engines.images import ImageRequest
from studio.money.prices import money
from studio.errors import EngineError
from studio.jobs.imaging import ImageRender, engine_size, render_paid_image, render_scene_image, scene_request
from studio.money.ledger import Budget, Ledger, shared_budget, usage_of
from studio.jobs.premium import FinalQuote, is_hosted

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.images import ImageTakeStore
    from studio.project.project import Project

FINAL_KIND = "final"
FINAL_SEED = 0  # a final is asked for once per prompt: the same prompt again is the same (cached) picture


def final_image_engine(project: "Project", registry: "EngineRegistry"):
    """The final image engine the project routes to, made with its `[engines.<id>]` settings."""
    engine_id = project.manifest.route("image")[1]
    if not engine_id:
        raise EngineError(
            "This project names no final image engine: set image_final in stitch.toml "
            "(for example \"openai-image\"), or pick one in Edit ▸ Project Settings."
        )
    return registry.configured(engine_id, project.manifest.engine_settings(engine_id))


final_size = engine_size  # the engine's own size, turned to the format's orientation


def final_request(project: "Project", engine, scene_id: str) -> ImageRequest:
    prompt = project.scene_prompt(scene_id)
    if not prompt.strip():
        raise EngineError("This scene has no image prompt: describe it in a few words in the Images panel.")
    return scene_request(engine, prompt, project.manifest.format, seed=FINAL_SEED,
                         negative_prompt=project.scene_negative_prompt(scene_id))


@dataclass(frozen=True)
class ImageQuote(FinalQuote):
    """What final images of scenes should cost (`lines` holds scene ids, for the shared dialog)."""

    noun: str = "scene image"


def quote_final_image(project: "Project", engine, budget: Budget, scene_ids: list[str]) -> ImageQuote:
    """Price final images of `scene_ids` without sending anything (finals on disk are free)."""
    total, send, cached = Decimal(0), [], []
    for scene_id in scene_ids:
        request = final_request(project, engine, scene_id)
        if project.image_takes.find_by_key(request.cache_key()) is not None:
            cached.append(scene_id)
            continue
        send.append(scene_id)
        if is_hosted(engine):
            total += engine.quote(request).money
    return ImageQuote(
        engine=engine.id, label=getattr(engine, "label", engine.id), lines=tuple(send), cached=tuple(cached),
        money=money(total), cap=budget.cap, remaining=budget.remaining(),
        paid=bool(getattr(engine, "paid", False)) and is_hosted(engine),
    )


def project_budget(project: "Project") -> Budget:
    """The project's one budget (`ledger.shared_budget`): its estimates held against every other paid job's."""
    return shared_budget(project.folder, project.manifest.budget)


def render_final_image(folder: Path, store: "ImageTakeStore", ledger: Ledger, budget: Budget, scene_id: str,
                       request: ImageRequest, engine, state: TaskState) -> ImageRender:
    """Worker side: the final image of one scene (or the one on disk), recorded in the ledger."""
    def as_final(result: ImageRender) -> ImageRender:
        if result.take.kind != FINAL_KIND:
            result.take = dataclasses.replace(result.take, kind=FINAL_KIND)
        return result

    if not is_hosted(engine) or store.find_by_key(request.cache_key()) is not None:
        result = as_final(render_scene_image(folder, store, scene_id, request, engine, state))
        ledger.record(request.engine, request.model, "image", "final", seconds=result.seconds, cached=result.cached,
                      ref=scene_id, key=request.cache_key()[:20], usage=usage_of(request).to_dict())
        return result

    return as_final(render_paid_image(ledger, budget, folder, scene_id, request, engine, state, "final"))
