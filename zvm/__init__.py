"""zvm: a Z-machine interpreter (Z-Machine Standard 1.1) in Python."""

__version__ = "0.1.0"


def __getattr__(name):
    # zvm.Game without importing the machine when only the CLI is used.
    if name in ("Game", "GameError", "StepResult", "GameObject"):
        from zvm.research import game
        return getattr(game, name)
    if name in ("GameTimeout",):
        from zvm.research import isolated
        return getattr(isolated, name)
    raise AttributeError(name)
