"""Files dropped on the timeline (mixed into the panel): a picture on the picture lane
becomes the image of the scene under it, a sound file on the Music lane the music bed,
each by reference and undoable; the bed goes through the same `set_music` as Add music…."""

from __future__ import annotations

from studio.errors import StudioError
from studio.project.images import PICTURE_SUFFIXES
from studio.project.media import MUSIC_SUFFIXES
from studio.ui.shell.drops import accepts, dropped_files

LANE_FILES = {"image": PICTURE_SUFFIXES, "music": MUSIC_SUFFIXES}


class TimelineDrops:
    def takes_drop(self, track: str, mime) -> bool:
        folder = self.project.folder if self.project is not None else None
        return track in LANE_FILES and self.timeline is not None and accepts(mime, folder, LANE_FILES[track])

    def files_dropped(self, track: str, mime, t: float) -> None:
        if self.project is None or self.timeline is None or track not in LANE_FILES:
            return
        files, problem = dropped_files(mime, self.project.folder, LANE_FILES[track])
        if not files:
            self.say(problem or ("Drop a picture on the picture lane, or a sound file on the Music lane."))
            return
        if track == "music":
            self.set_music(files[0])
            return
        clip = self.image_clip_near(t)
        if clip is None or not clip.ref:
            self.say("There is no scene there to take the picture: drop it over a scene's image.")
            return
        try:
            self.project.use_creator_picture(clip.ref, files[0])
        except StudioError as exc:
            self.say(exc.message)
            return
        self.say(f"{files[0]} is now this scene's picture, used where it is in the project folder "
                 "(Edit ▸ Undo takes it back).")

    def image_clip_near(self, t: float):
        """The image clip showing at t, else the one that ends nearest before it."""
        clips = self.timeline.track("image")
        hits = [c for c in clips if c.start <= t < c.end]
        if hits:
            return hits[-1]
        before = [c for c in clips if c.end <= t]
        return max(before, key=lambda c: c.end) if before else (min(clips, key=lambda c: c.start) if clips else None)
