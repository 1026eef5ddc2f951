"""The terminal UI's drawing of long outputs (``tools/bench.py --terminal-draw``).

In process, with blessed writing to a string (an xterm-256color terminal of
80x24, styling forced): a story's long output, written as the machine
writes it (a piece per word), is shown a ``[MORE]`` page at a time with a
key answering each page, then a command is typed after it, a key at a
time. Reported: the time to write and to page through the whole output,
pages per second, and the time each key typed takes to draw, for outputs
of several lengths (the scrollback keeps 20,000 logical lines).
"""

from __future__ import annotations

import io
import time

LINE = ("Line {i}: the quick brown fox jumps over the lazy dog, again and again, "
        "until the line wraps round the edge of the screen.")
TYPED = "take the brass lantern"


def draw(lines: int) -> tuple[float, float, int, float]:
    """(seconds writing, seconds paging, pages, ms per key typed) for an
    output of ``lines`` logical lines."""
    import blessed
    from blessed.keyboard import Keystroke

    from zvm.screen.protocol import PLAIN
    from zvm.ui.terminal import TerminalFrontend

    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    fe = TerminalFrontend(term=term, enter=False, size=(80, 24))
    fe.start(5)
    pages = 0

    def key(timeout: float | None) -> Keystroke:
        nonlocal pages
        pages += 1
        return Keystroke(" ")
    fe._next_key = key                          # type: ignore[method-assign,assignment]
    pieces = [word + " " for i in range(lines) for word in (LINE.format(i=i) + "\n").split(" ")]
    t0 = time.perf_counter()
    for piece in pieces:
        fe.write(piece, PLAIN)
    t1 = time.perf_counter()
    fe._present()
    fe._mark_seen()
    t2 = time.perf_counter()
    for k in range(len(TYPED) + 1):
        fe.render(TYPED[:k])
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, pages, (t3 - t2) / (len(TYPED) + 1) * 1000


def run(repeat: int = 3, sizes: tuple[int, ...] = (1000, 10000, 40000)) -> int:
    print("terminal UI, 80x24: a long output written, paged with [MORE], then a command "
          f"typed ({len(TYPED)} keys); best of {repeat}")
    print(f"{'lines':>7}  {'write s':>8}  {'paging s':>9}  {'pages':>6}  {'pages/s':>8}  "
          f"{'ms/key':>7}")
    for n in sizes:
        best = min((draw(n) for _ in range(repeat)), key=lambda r: r[0] + r[1])
        write, paging, pages, per_key = best
        print(f"{n:>7}  {write:>8.3f}  {paging:>9.3f}  {pages:>6}  {pages / paging:>8.0f}  "
              f"{per_key:>7.3f}")
    return 0
