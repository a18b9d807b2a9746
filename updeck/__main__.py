"""``python -m updeck``: the command line, as the ``updeck`` script runs it."""

import sys

from updeck.tui.cli import main

sys.exit(main())
