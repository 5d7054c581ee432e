"""Entry script of the frozen app: the same as the `studio` console script, plus the add-ons.

The torch engines, when the creator installed them (studio/models/addons.py), live outside the
bundle; their folder goes first on sys.path before the rest of the studio is imported.
"""

import sys

if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # the local planner's model runs in a spawned child process
    from studio.models.addons import activate

    activate()
    from studio.cli.command import main

    sys.exit(main())
