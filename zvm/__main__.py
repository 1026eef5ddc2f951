"""``python -m zvm``: the same as the ``zvm`` command."""

import sys

from zvm.cli.main import main

sys.exit(main())
