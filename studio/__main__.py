import sys

from studio.cli.command import main

sys.exit(main())
