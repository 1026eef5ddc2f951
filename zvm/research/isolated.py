"""A game in a child process: a story that loops forever or fails badly
cannot hang or kill the caller.

``IsolatedGame`` has the methods and properties of ``zvm.Game``; each call
goes to a child process and must answer within ``timeout`` seconds, or the
child is stopped and ``GameTimeout`` raised. The game is then over: every
call but ``reset()``, which starts a new child, raises ``GameError`` at
once, saying why (so does a call after ``close()``, or after the child
died). A fatal Z-machine error raises
``GameError`` as in ``zvm.Game``; a child that dies raises
``GameProcessError``. The class of game to run in the child is passed in
(this module does not import ``zvm.research.game``).
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Callable

from zvm.errors import StoryError
from zvm.research import common
from zvm.research.common import GameError, GameProcessError, GameTimeout
from zvm.story.loader import Story, load


def _serve(conn: Connection, game_class: Callable[..., Any], path: str | os.PathLike[str] | Story,
           kwargs: dict[str, Any]) -> None:
    """The child's loop: call the game's methods and send back results."""
    game = None
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if game is None:
                game = game_class(path, **kwargs)
            attr = getattr(game, name)
            result = attr(*args) if callable(attr) else attr
            conn.send(("ok", result))
        except GameError as e:
            conn.send(("error", (type(e).__name__, str(e))))
        except Exception as e:                        # report, then carry on
            conn.send(("error", ("GameError", f"{type(e).__name__}: {e}")))


class IsolatedGame:
    """``zvm.Game`` in a child process (see the module's docstring)."""

    CALLS = ("reset", "step", "snapshot", "restore", "objects", "object", "inventory",
             "dictionary", "world_hash", "valid_actions")
    PROPERTIES = ("score", "moves", "max_score", "done", "won", "lost", "player", "location",
                  "last_text", "status")

    def __init__(self, game_class: Callable[..., Any], path: str | os.PathLike[str] | Story,
                 seed: int | None = None, width: int = 0, player: int | None = None,
                 timeout: float = 10.0, **_: Any) -> None:
        if not isinstance(path, Story):
            try:
                load(os.fspath(path))                 # name a bad path here, not in the child
            except StoryError as e:
                raise GameError(f"{path}: {e}") from None
        self.game_class = game_class
        self.path = path
        self.kwargs: dict[str, Any] = dict(seed=seed, width=width, player=player)
        self.timeout = timeout
        self._process: BaseProcess | None = None
        self._ended: str | None = None       # why the game is over: only reset() answers
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, daemon=True,
                                        args=(child, self.game_class, self.path, self.kwargs))
        self._process.start()
        child.close()

    def _call(self, name: str, *args: Any) -> Any:
        if self._ended is not None:
            raise GameError(f"{self._ended}; reset() starts the story again")
        if self._process is None:
            self._start()
        try:
            self._conn.send((name, args))
            if not self._conn.poll(self.timeout):
                self._end(f"the story did not answer within {self.timeout} s")
                raise GameTimeout(f"the story did not answer within {self.timeout} s")
            status, value = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._end("the story's process ended unexpectedly")
            raise GameProcessError("the story's process ended unexpectedly") from None
        if status == "error":
            kind, message = value
            cls = getattr(common, kind, GameError)
            raise (cls if isinstance(cls, type) and issubclass(cls, GameError)
                   else GameError)(message)
        return value

    def reset(self) -> str:
        """Start the story afresh (in a new child if the last one was stopped)."""
        self._ended = None
        if self._process is None:
            self._start()
        return self._call("reset")

    def _end(self, why: str) -> None:
        """The game is over (the child stopped or died): only reset() answers."""
        self._stop()
        self._ended = why

    def copy(self) -> "IsolatedGame":
        """An independent isolated game in the same state."""
        other = IsolatedGame(self.game_class, self.path, timeout=self.timeout, **self.kwargs)
        other.restore(self.snapshot())
        return other

    def close(self) -> None:
        """Stop the child process; the game is over until reset()."""
        self._stop()
        if self._ended is None:
            self._ended = "the game was closed"

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._process = None
            self._conn.close()

    def __enter__(self) -> "IsolatedGame":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name in self.CALLS:
            return lambda *args: self._call(name, *args)
        if name in self.PROPERTIES:
            return self._call(name)
        raise AttributeError(name)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
