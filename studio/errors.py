"""Errors a creator can meet. Each carries one sentence they can act on."""


class StudioError(Exception):
    """Base of every error the studio shows to a creator.

    The message is a plain sentence saying what happened and what to do; it never
    holds a secret or a traceback. `detail` may hold technical text for logs.
    """

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ProjectError(StudioError):
    """The project folder, its manifest or its script cannot be used as asked."""


class StorageError(StudioError):
    """A file could not be read or written; what was on disk before is intact."""


class EngineError(StudioError):
    """A model or engine could not do the work (missing weights, bad input, ...)."""


class MissingWeights(EngineError):
    """The weights an engine needs are not on this machine."""


class Cancelled(Exception):
    """Raised inside a job when the creator cancelled it (or a newer job superseded it)."""
