"""Setting up a game for the ``zvm`` command: the terminal UI, or line
mode where the terminal cannot show it, and the machine with the options
that shape it.

Line mode (``TERM=dumb``, no cursor addressing) plays with the headless
frontend (plain text, as dfrotz prints it); when standard input is a
terminal, lines are read through GNU readline where Python has it, so the
player can edit the line and recall earlier ones. ``PromptTracker``
remembers what was printed on the current line (the story's prompt), which
is handed to readline as its prompt so that editing redraws it instead of
overwriting it.
"""

from __future__ import annotations

import sys

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import Frontend, FrontendUnavailable

if TYPE_CHECKING:
    from typing import IO, Any


def story_title(story: Any) -> str:
    """The story's title for the window (Treaty of Babel metadata), else
    its file name."""
    import os
    try:
        from zvm.story.babel import identify
        title = identify(story).title
    except Exception:                       # metadata is a nicety: never fatal
        title = None
    return title or os.path.basename(story.path)


def pictures_option(args: Any) -> dict[str, bool]:
    """``--no-pictures`` as a frontend's keyword argument (given only when
    set, so that frontends of other packages need not know it)."""
    return {"pictures": False} if getattr(args, "no_pictures", False) else {}


def open_terminal_ui(frontend_class: Any, args: Any, story: Any) -> Frontend:
    """The full-screen terminal UI with the player's options; where the
    terminal cannot show it (``TERM=dumb``), the headless frontend in line
    mode, said once on standard error."""
    try:
        return frontend_class(no_colour=args.no_colour, fg=args.fg, bg=args.bg,
                              title=story_title(story), mouse=not args.no_mouse,
                              **pictures_option(args))
    except FrontendUnavailable as e:
        sys.stderr.write(f"zvm: {e}: playing in line mode\n")
        sys.stderr.flush()
    import shutil

    from zvm.cli.plugins import load_frontend
    size = shutil.get_terminal_size((80, 24))
    out = PromptTracker(sys.stdout)
    headless = load_frontend("headless")
    return headless(stdin=EditedInput(sys.stdin, out), stdout=out,
                    width=size.columns, height=size.lines, echo=False, **pictures_option(args))


def interpreter_bytes(value: tuple[int, str]) -> tuple[int, int]:
    """``--interpreter``'s (number, version) as the header's two bytes
    (§11.1.3): the version letter as its ASCII code, or a number."""
    number, version = value
    return number, int(version) if version.isdigit() else ord(version)


def make_machine(machine_class: Any, story: Any, frontend: Frontend,
                 args: Any) -> Any:
    """The machine for the story with the command's options, telling the
    story the interpreter number and version of ``--interpreter``."""
    return machine_class(story, frontend, seed=args.seed, warnings=args.warnings,
                         save_dir=args.save_dir, overwrite=args.overwrite,
                         meta=not args.no_meta,
                         interpreter=interpreter_bytes(args.interpreter))


class PromptTracker:
    """Standard output, remembering the text after the last newline."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tail = ""

    def write(self, text: str) -> int:
        cut = text.rfind("\n")
        self.tail = text[cut + 1:] if cut >= 0 else self.tail + text
        if len(self.tail) > 500:
            self.tail = self.tail[-500:]
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class EditedInput:
    """Standard input a line at a time, through readline when it can be
    loaded: ``readline()`` as a file's (an empty string at the end)."""

    def __init__(self, stdin: IO[str], stdout: PromptTracker) -> None:
        self.stdin = stdin
        self.stdout = stdout
        try:
            import readline  # noqa: F401  (loading it gives input() line editing)
            self.editing = True
        except ImportError:
            self.editing = False

    def readline(self) -> str:
        if not self.editing:
            return self.stdin.readline()
        prompt, self.stdout.tail = self.stdout.tail, ""
        try:
            self.stdout.stream.write("\r")
            self.stdout.stream.flush()
            return input(prompt) + "\n"
        except EOFError:
            return ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stdin, name)
