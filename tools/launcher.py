"""The entry point PyInstaller freezes into dist/zvm: the same as ``zvm``."""

import sys

from zvm.cli.guard import main

if __name__ == "__main__":
    sys.exit(main())
