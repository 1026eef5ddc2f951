"""Minimising a failing fuzz case (``zvm.tools.fuzz``): the smallest input
that still fails the same way.

``ddmin`` is delta debugging (Zeller and Hildebrandt, "Simplifying and
Isolating Failure-Inducing Input", 2002): drop ever smaller chunks of a
list while the failure persists. ``shrink`` applies it to a case's story
patches, save patches, input lines, files and library actions, then cuts
long lines in half, all within a budget of runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence, TypeVar

from zvm.tools.fuzz_cases import Case

T = TypeVar("T")


class Budget:
    """How many more runs minimising may spend."""

    def __init__(self, runs: int) -> None:
        self.left = runs
        self.used = 0

    def spend(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        self.used += 1
        return True


def ddmin(items: Sequence[T], fails: Callable[[list[T]], bool], budget: Budget) -> list[T]:
    """A 1-minimal sublist of items (order kept) for which fails() holds,
    as far as the budget allows; fails(items) is taken as true."""
    current = list(items)
    n = 2
    while len(current) >= 2 and budget.left > 0:
        size = max(1, len(current) // n)
        chunks = [current[i:i + size] for i in range(0, len(current), size)]
        reduced = False
        for i in range(len(chunks)):                 # try each complement
            rest = [x for j, c in enumerate(chunks) if j != i for x in c]
            if not budget.spend():
                return current
            if fails(rest):
                current, n, reduced = rest, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(current):
                break
            n = min(len(current), 2 * n)
    if len(current) == 1 and budget.spend() and fails([]):
        return []
    return current


def shrink(case: Case, fails: Callable[[Case], bool], budget: Budget) -> Case:
    """A smaller case for which fails() still holds (fails(case) is true)."""
    # value makes the new value of the field named from the items kept: of
    # whichever type that field has.
    def attempt(field: str, value: Callable[[list], Any]) -> Callable[[list], bool]:
        return lambda items: fails(replace(case, **{field: value(items)}))

    if case.story_patches:
        case = replace(case, story_patches=ddmin(
            case.story_patches, attempt("story_patches", list), budget))
    if case.story_cut is not None and budget.spend() and fails(replace(case, story_cut=None)):
        case = replace(case, story_cut=None)
    if case.save_patches:
        case = replace(case, save_patches=ddmin(
            case.save_patches, attempt("save_patches", list), budget))
    if case.library is not None and len(case.library) > 3:
        head = case.library[:2]
        # Each step action consumes one line: keep them paired.
        lines = iter(case.lines)
        steps: list[tuple[str, bytes | None]] = [
            (a, next(lines, b"") if a == "step" else None) for a in case.library[2:]]

        def rebuild(kept: list[tuple[str, bytes | None]]) -> Case:
            return replace(case, library=head + [a for a, _ in kept],
                           lines=[ln for _, ln in kept if ln is not None])
        kept = ddmin(steps, lambda k: fails(rebuild(k)), budget)
        case = rebuild(kept)
    elif case.lines:
        case = replace(case, lines=ddmin(case.lines, attempt("lines", list), budget))
    if case.files:
        names = ddmin(sorted(case.files), lambda keep: fails(
            replace(case, files={k: case.files[k] for k in keep})), budget)
        case = replace(case, files={k: case.files[k] for k in names})
    for i in range(len(case.lines)):
        while len(case.lines[i]) > 8 and budget.spend():
            shorter = list(case.lines)
            shorter[i] = shorter[i][:len(shorter[i]) // 2]
            if not fails(replace(case, lines=shorter)):
                break
            case = replace(case, lines=shorter)
    return case
