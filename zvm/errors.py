"""Errors the machine raises, by who is at fault (Appendix A).

``StoryError``: the file given is not a story we can run (exit status 2).
``ZMachineError``: the running story did something fatal (e.g. §2.3.1:
"an interpreter should halt with an error message"); the run loop adds the
PC and the CLI prints ``zvm: fatal: WHAT (PC = $xxxx)`` with exit status 1.
``Unimplemented``: a feature zvm does not provide, named with where it was
asked for; treated as fatal.
"""


class StoryError(Exception):
    """The story file cannot be loaded: message says why."""


class ZMachineError(Exception):
    """A fatal error in the running story (Appendix A)."""

    def __init__(self, message: str, pc: int | None = None):
        super().__init__(message)
        self.message = message
        self.pc = pc

    def __str__(self) -> str:
        if self.pc is None:
            return self.message
        return f"{self.message} (PC = ${self.pc:04x})"


class Unimplemented(ZMachineError):
    """Something zvm does not do (yet): what, and where it was asked."""


class Quit(Exception):
    """@quit, or the end of input: the run ends normally."""


class Restart(Exception):
    """@restart: the main loop reloads dynamic memory and starts again (§6.1.3)."""
