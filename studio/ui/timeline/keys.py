"""The Timeline dock's keys: the playhead by the second, clips nudged, stepped through and deleted.

A mixin of `TimelinePanel` (studio.ui.timeline.panel): it uses the panel's view, timeline,
undo (`_apply`) and playback. The keys themselves are read by the view (timeline_view).
"""

from __future__ import annotations

from studio.ui.timeline.tracks import guarded

KEY_STEP_SECONDS = 1.0  # ← and → move the playhead this far
NUDGE_SECONDS = {"nudge_back": -0.1, "nudge_forward": 0.1, "shove_back": -1.0, "shove_forward": 1.0}


class TimelineKeys:
    def _key(self, name: str) -> None:
        head, end = self.view.playhead, self.timeline.duration if self.timeline else 0.0
        {"play": self.play_pause, "undo": self.undo, "redo": self.redo, "lock": self.toggle_lock,
         "zoom_in": lambda: self.view.zoom(1.25),
         "zoom_out": lambda: self.view.zoom(0.8),
         "back": lambda: self.seek(max(0.0, head - KEY_STEP_SECONDS)),
         "forward": lambda: self.seek(head + KEY_STEP_SECONDS),
         "start": lambda: self.seek(0.0), "end": lambda: self.seek(end),
         "next_clip": lambda: self.select_neighbour(1), "previous_clip": lambda: self.select_neighbour(-1),
         "delete": self.delete_selected,
         **{n: (lambda step=step: self.nudge(step)) for n, step in NUDGE_SECONDS.items()}}[name]()

    def nudge(self, seconds: float) -> None:
        """Alt+←/→: the selected clip a little earlier or later; a run of nudges is one undo step."""
        clip_id = self.view.selected
        if self.timeline is None or clip_id is None:
            self.say("Select a clip on the timeline to nudge it.")
            return
        moved = guarded(self.say, self.timeline.move, clip_id, self.timeline.clip(clip_id).start + seconds)
        self._apply(self._fill_around(moved, clip_id), "Nudge clip", merge=("nudge", clip_id))

    def select_neighbour(self, step: int) -> None:
        """] and [: the next or previous clip on the selected clip's track (the voice track when none is)."""
        if self.timeline is None or not self.timeline.clips:
            return
        current = self.timeline.clip(self.view.selected) if self.view.selected else None
        clips = sorted(self.timeline.track(current.track if current else "voice") or self.timeline.clips,
                       key=lambda c: (c.start, c.id))
        if current is not None and current in clips:
            index = min(len(clips) - 1, max(0, clips.index(current) + step))
        else:  # from the playhead
            ahead = next((n for n, c in enumerate(clips) if c.end > self.view.playhead), len(clips))
            index = min(ahead, len(clips) - 1) if step > 0 else max(0, ahead - 1)
        self.clip_clicked(clips[index].id)
        self.view.select(clips[index].id, reveal=True)

    def delete_selected(self) -> None:
        """Delete on a clip: music is removed (undoable); voice and image clips belong to the script."""
        clip_id = self.view.selected
        if self.timeline is None or clip_id is None:
            self.say("Select a clip on the timeline first.")
            return
        track = self.timeline.clip(clip_id).track
        if track == "voice":
            self.say("Voice clips follow the script: delete the line in the script (Ctrl+Shift+Backspace) to remove it.")
        elif track == "image":
            self.say("Image clips follow the scenes: choose another picture in the Images panel to change it.")
        elif track == "music":
            self.view.select(None)
            self.set_music("")  # stitch.toml says "no music" too, so it does not come back
            self._sync_lock()
