import sys

from studio.cli.command import main

if __name__ == "__main__":  # not when a spawned child process (the local planner) imports it
    sys.exit(main())
