"""What the library learned about a story, kept on disk between runs.

Learning a story's profile (``zvm.research.profile``) tries dozens of
commands: a second or more for Zork I. What it learns depends only on the
story, the screen width and the learning code: it learns from a fresh game
with seed 0, and its budgets count Z-instructions, not seconds. So every
process learns the same. The parts that cost (``status``, ``noise``,
``max_score``) are kept in the disk cache (``zvm.compile.diskcache``, under
the story's digest, the same folder as its compiled code). A process that
needs a part reads it there instead of learning it again. That covers every
new process that makes a ``Game``, each child of an isolated game (a
``copy`` is a new child) and each worker of ``Games``.

A part is not kept when a command tried while learning ran out of time
(that depends on the machine's speed), nor once learning has used its whole
budget of Z-instructions (``LEARN_LIMIT``). When the budget runs out, what
is learned depends on the order of the questions, as it always has in one
process; now it also depends on which parts an earlier process kept: a
part learned after one read from disk has more budget left than it would
have had after learning that part here. No story of ours or the shared
ones comes near the budget (the noise of ``research.z8`` takes 8.5 M of
its 40 M). The cache key holds a checksum of this package's source, so
parts learned by other code are never used.
``zvm --no-cache`` (``diskcache.enabled`` off) neither reads nor writes.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Generic, TypeVar, overload

from zvm import __version__
from zvm.compile import diskcache
from zvm.records import TYPE_CHECKING
from zvm.research.world import Noise, Status

if TYPE_CHECKING:
    from zvm.research.profile import Profile

T = TypeVar("T")
_learner: str | None = None


def _version() -> str:
    """zvm's version and a checksum of the learning code (this package)."""
    global _learner
    if _learner is None:
        _learner = diskcache.source_checksum(os.path.dirname(os.path.abspath(__file__)))
    return f"{__version__}+{_learner}"


def _ints(value: Any) -> bool:
    return type(value) is tuple and all(type(x) is int for x in value)


def _int_or_none(value: Any) -> bool:
    return value is None or type(value) is int


# Each part as marshal's plain values, and back; a decoder raises
# ValueError for anything that is not what its encoder writes.
def _status_out(s: Status) -> tuple[Any, ...]:
    return (s.score_global, s.moves_global, s.location_global, tuple(s.player_globals),
            s.room_depth)


def _status_in(v: Any) -> Status:
    if not (type(v) is tuple and len(v) == 5 and all(_int_or_none(x) for x in v[:3])
            and _ints(v[3]) and type(v[4]) is int):
        raise ValueError("not a kept status")
    return Status(v[0], v[1], v[2], v[3], v[4])


def _noise_out(n: Noise) -> tuple[Any, ...]:
    return tuple(tuple(sorted(s)) for s in (n.globals, n.attributes, n.properties, n.objects))


def _noise_in(v: Any) -> Noise:
    if not (type(v) is tuple and len(v) == 4 and all(_ints(x) for x in v)):
        raise ValueError("not kept noise")
    return Noise(*(frozenset(x) for x in v))


def _score_in(v: Any) -> int | None:
    if not _int_or_none(v):
        raise ValueError("not a kept score")
    return v


PARTS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "status": (_status_out, _status_in),
    "noise": (_noise_out, _noise_in),
    "max_score": (lambda v: v, _score_in),
}


def _valid(record: Any) -> bool:
    """(width, part, value) with a value its part's decoder takes."""
    if not (type(record) is tuple and len(record) == 3 and type(record[0]) is int
            and record[1] in PARTS):
        return False
    try:
        PARTS[record[1]][1](record[2])
    except ValueError:
        return False
    return True


def _name(profile: Profile) -> str:
    return profile.acc.m.code.key + "-profile"


def adopt(profile: Profile) -> Profile:
    """profile, with the parts earlier runs learned put in place."""
    if diskcache.enabled:
        width = profile.game.width
        for w, part, value in diskcache.load(_name(profile), _version(), _valid):
            if w == width:
                profile.__dict__[part] = PARTS[part][1](value)
    return profile


def keep(profile: Profile, part: str, value: Any) -> None:
    """Save a part just learned (unless learning ran out of time or of
    budget)."""
    if diskcache.enabled and not profile.hangs and profile.acc.instructions <= profile.limit:
        record = (profile.game.width, part, PARTS[part][0](value))
        diskcache.save(_name(profile), _version(), [record], lambda r: (r[0], r[1]), _valid)


class kept(Generic[T]):
    """A part of a profile learned once, as ``cached_property`` does, and
    saved for later runs when it is learned."""

    def __init__(self, learn: Callable[[Any], T]) -> None:
        self.learn = learn
        self.name = learn.__name__
        self.__doc__ = learn.__doc__

    @overload
    def __get__(self, profile: None, owner: type) -> kept[T]: ...
    @overload
    def __get__(self, profile: Profile, owner: type | None = None) -> T: ...

    def __get__(self, profile: Profile | None, owner: type | None = None) -> T | kept[T]:
        if profile is None:
            return self
        value = self.learn(profile)
        profile.__dict__[self.name] = value
        keep(profile, self.name, value)
        return value
