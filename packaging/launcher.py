"""Entry script of the frozen app: the same as the `studio` console script."""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
