"""Render final… for the Images panel: the scene's picture from the project's final image engine.

It prices the scene (`jobs.image_final.quote_final_image`), asks with the same confirm
dialog as a final voice take (unless the creator said not to under an amount), then
runs the render as one of the panel's jobs; the final image lands in the grid beside
the drafts and is not chosen. The budget is checked again on the worker before any
traffic, and it is the Voicing's budget, so a voice and an image final in flight
cannot both fit where only one does.
"""

from __future__ import annotations

from studio.errors import StudioError
from studio.jobs import image_final
from studio.jobs.premium import is_hosted
from studio.ui.money.premium import confirm_final


def render_final(panel) -> bool:
    """Ask (engine, cost, budget), then render the scene's final image in the background."""
    window, project = panel.window, panel.project
    panel.commit_prompt()
    scene = panel._scene()
    if project is None or scene is None:
        return False
    try:
        engine = image_final.final_image_engine(project, window.registry)
        budget = _budget(window, project)
        quote = image_final.quote_final_image(project, engine, budget, [scene.id])
        request = image_final.final_request(project, engine, scene.id)
    except StudioError as exc:
        panel._show(exc.message)
        return False
    if not confirm_final(window, quote, panel._show):
        panel._show("No final image: nothing was sent.")
        return False
    folder, store, ledger = project.folder, project.image_takes, budget.ledger
    scene_id = scene.id

    def render(state):
        state.set_progress(0.0, f"Final image with {quote.label}…")
        return image_final.render_final_image(folder, store, ledger, budget, scene_id, request, engine, state)

    # A hosted call waits on the network, not the cores: it need not queue behind local renders.
    panel._start("Final image", render, lane="io" if is_hosted(engine) else "model")
    return True


def _budget(window, project):
    voicing = getattr(getattr(window, "voice", None), "voicing", None)
    if voicing is not None and getattr(voicing, "project", None) is project:
        return voicing.budget
    return image_final.project_budget(project)
