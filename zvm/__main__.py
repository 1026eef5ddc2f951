"""``python -m zvm``: the same as the ``zvm`` command."""

import sys

from zvm.cli.guard import main

sys.exit(main())
