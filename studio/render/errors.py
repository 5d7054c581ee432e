"""What can go wrong between the timeline and a finished file, in sentences a creator can act on."""

from __future__ import annotations

from studio.errors import StudioError


class TimelineError(StudioError):
    """An edit the timeline cannot make (a locked clip, an unknown clip, a bad value)."""


class MediaError(StudioError):
    """A take, image or music file on the timeline is missing or cannot be read."""


class ExportFailed(StudioError):
    """ffmpeg could not make the file; `detail` holds the end of what it printed."""
