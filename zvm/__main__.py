"""``python -m zvm``: the same as the ``zvm`` command."""

import sys

from .cli import main

sys.exit(main())
