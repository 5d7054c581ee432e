"""The `studio` command: `command.py` parses the verbs (open the window, render, export,
transcribe, check, captions, models, keys, cost, doctor, clean) and hands each to a
module of its own here. It may import every layer below it (render, jobs, engines,
models, money, project, base); it opens the window through `studio.ui.shell.app`,
lazily, and imports no other Qt.
"""


def main(argv=None):
    """The `studio` command (it lives in `studio.cli.command`)."""
    from studio.cli.command import main as run

    return run(argv)
