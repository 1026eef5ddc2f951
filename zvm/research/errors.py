"""The exceptions of zvm as a library: one family for games run in this
process (``zvm.Game``), in a child process (``isolated=True``) and in a pool
(``zvm.Games``). Catch ``GameError`` for all of them."""

from __future__ import annotations


class GameError(Exception):
    """A game cannot go on: the story file cannot be loaded (the message
    names the path), the story stopped with a fatal Z-machine error
    (Appendix A), or a snapshot cannot be restored."""


class GameTimeout(GameError):
    """The story did not answer within the time allowed for a step; the
    process that ran it was stopped."""


class GameProcessError(GameError):
    """The process that ran the story ended unexpectedly."""
