"""zvm: a Z-machine interpreter (Z-Machine Standard 1.1) in Python.

As a library, ``zvm.Game`` drives any story step by step::

    import zvm
    game = zvm.Game("zork1.z3", seed=12)
    opening = game.reset()
    result = game.step("open mailbox")     # result.text, .score, .moves, .done

``Game(..., isolated=True)`` runs the story in a process of its own
(``GameTimeout`` when a step takes too long). The names in ``__all__`` are
the API; they are imported on first use, so ``import zvm`` stays light.
"""

TYPE_CHECKING = False   # as zvm.records has it (importing that would load collections)
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

__all__ = ["Game", "Games", "Snapshot", "GameError", "GameTimeout", "GameProcessError",
           "StepResult", "GameObject", "IsolatedGame", "__version__"]

_LIBRARY = {
    "Game": "zvm.research.game", "GameObject": "zvm.research.game",
    "Snapshot": "zvm.research.game",
    "StepResult": "zvm.research.common",
    "GameError": "zvm.research.common", "GameTimeout": "zvm.research.common",
    "GameProcessError": "zvm.research.common",
    "IsolatedGame": "zvm.research.isolated",
    "Games": "zvm.research.games",
}


def __getattr__(name: str) -> "Any":
    # zvm.Game and the rest without importing the machine when only the CLI is used.
    module = _LIBRARY.get(name)
    if module is None:
        raise AttributeError(f"module 'zvm' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LIBRARY))
