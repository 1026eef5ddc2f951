"""The ``zvm`` command: play a story (§ references are to the Standard).

``zvm STORY`` plays in the terminal UI when standard input and output are
terminals, headless otherwise or with ``--headless``. Exit status: 0 normal
end (including the end of input), 1 a fatal Z-machine error or standard
output that cannot be written, 2 a story file that cannot be run or a usage
error.

The standard streams are made safe first (``secure_streams``): a closed
one is replaced by ``/dev/null`` (standard input closed: no input; standard
output closed: one line and exit 1, nothing could be shown); a write to
standard output that fails (a full disk, a closed pipe) ends the run with
one line and exit 1; a failing standard error is ignored. Headless input is
read a line at a time with a bound (``LineInput``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from zvm import __version__
from zvm.errors import StoryError, ZMachineError


class Parser(argparse.ArgumentParser):
    """Usage errors as one line after the usage, exit status 2 (the
    subcommands in tools/ use it too)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="zvm", description="A Z-machine interpreter: play interactive fiction.")
    p.add_argument("story", nargs="?",
                   help="the story file (.z1-.z8); without one, the bundled story")
    p.add_argument("--list", action="store_true", help="list the bundled stories and exit")
    p.add_argument("--info", action="store_true",
                   help="describe the story (header, IFID, title, Blorb resources) and exit")
    p.add_argument("--headless", action="store_true",
                   help="read commands from standard input and write plain text, like dfrotz")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed the random numbers exactly as 'dfrotz -s N' does")
    p.add_argument("--width", type=int, default=80, metavar="N",
                   help="wrap text at N columns (headless; 0 = no wrapping; default 80)")
    p.add_argument("--height", type=int, default=24, metavar="N",
                   help="screen height in lines (headless; default 24)")
    p.add_argument("--save-dir", metavar="DIR", default=".",
                   help="the folder for saves, transcripts and records (default: here); "
                        "nothing is written outside it")
    p.add_argument("--restore", metavar="FILE",
                   help="start from a saved game (a Quetzal file of this story)")
    p.add_argument("--transcript", metavar="FILE",
                   help="copy the game's text to FILE (output stream 2, §7.3)")
    p.add_argument("--record", metavar="FILE",
                   help="record the commands typed to FILE (output stream 4)")
    p.add_argument("--replay", metavar="FILE",
                   help="play the commands in FILE first (input stream 1, §10.2)")
    p.add_argument("--no-meta", action="store_true",
                   help="pass lines starting with / to the game instead of treating "
                        "them as meta-commands (/undo, /save, /help ...)")
    p.add_argument("--autosave", action="store_true",
                   help="save at every turn to STORY.autosave.qzl in the save folder and "
                        "offer to continue from it at the next start (kept until the game quits)")
    p.add_argument("--overwrite", action="store_true",
                   help="headless: replace an existing save without asking")
    p.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true",
                   help="terminal UI: show no colours")
    p.add_argument("--echo", action="store_true",
                   help="print each command after its prompt, as a transcript shows it")
    p.add_argument("--warnings", dest="warnings", action="store_const", const="once",
                   default="off",
                   help="report survivable Z-machine errors on standard error, once per "
                        "kind; --warnings=always reports each, --warnings=fatal stops the game")
    # "--warnings=MODE" arrives here (see main): a flag that takes no value
    # cannot swallow the story name that follows it.
    p.add_argument("--warnings-mode", dest="warnings", choices=WARNING_MODES,
                   help=argparse.SUPPRESS)
    p.add_argument("--no-cache", dest="no_cache", action="store_true",
                   help="compile the story afresh: neither read nor write the compiled "
                        "code kept in $XDG_CACHE_HOME/zvm")
    p.add_argument("--stats", action="store_true",
                   help="at exit, print the instructions executed and the time to standard error")
    p.add_argument("--version", action="version", version=f"zvm {__version__}")
    return p


def fail(message: str, status: int) -> None:
    try:
        sys.stdout.flush()
    except (OutputError, OSError, ValueError):
        silence_stdout()
    sys.stderr.write(f"zvm: {message}\n")
    sys.stderr.flush()
    sys.exit(status)


# -- the standard streams ---------------------------------------------------------
MAX_LINE = 255              # the longest line a story's text buffer takes (§15 read)
MAX_DISCARD = 1 << 20       # past this much on one line, input is not text: it ends


class OutputError(Exception):
    """Standard output cannot be written (full, closed, its reader gone)."""


class GuardedOutput:
    """A text stream whose write errors become ``OutputError`` (standard
    output) or are ignored (``quiet``: standard error, where nothing could
    be said about them anyway)."""

    def __init__(self, stream, quiet: bool = False):
        self._stream, self._quiet = stream, quiet

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as e:
            return self._failed(e)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError) as e:
            self._failed(e)

    def _failed(self, e: Exception) -> int:
        if self._quiet:
            return 0
        raise OutputError(getattr(e, "strerror", None) or str(e) or type(e).__name__) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


class LineInput:
    """Standard input for the headless frontend, read a line at a time with
    a bound: a line longer than MAX_LINE characters is cut (said once, on
    standard error), and a line that runs past MAX_DISCARD characters (such
    as /dev/zero) is taken as the end of input, said in one line."""

    def __init__(self, stream):
        self._stream = stream
        self._said = False
        self._ended = False

    def readline(self) -> str:
        if self._ended:
            return ""
        line = self._stream.readline(MAX_LINE + 1)
        if len(line) <= MAX_LINE or line.endswith("\n"):
            return line
        skipped = 0
        while True:
            more = self._stream.readline(65536)
            skipped += len(more)
            if not more or more.endswith("\n"):
                break
            if skipped > MAX_DISCARD:
                self._ended = True
                sys.stderr.write(f"zvm: standard input holds a line of more than {MAX_DISCARD} "
                                 f"characters: not commands; input ends here\n")
                return ""
        if not self._said:
            self._said = True
            sys.stderr.write(f"zvm: input lines longer than {MAX_LINE} characters are cut\n")
        return line[:MAX_LINE] + "\n"

    def __getattr__(self, name):
        return getattr(self._stream, name)


def secure_streams() -> set[str]:
    """Give each closed standard stream /dev/null (taking its descriptor,
    so no file opened later lands on it) and guard standard output and
    error; the names of the streams that were closed."""
    closed = set()
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        mode = "r" if fd == 0 else "w"
        try:
            os.fstat(fd)
        except OSError:
            closed.add(name)
            os.open(os.devnull, os.O_RDWR)          # the lowest free descriptor: fd
            setattr(sys, name, open(fd, mode, closefd=False))
            continue
        if getattr(sys, name) is None:              # closed at start, reused since
            closed.add(name)
            setattr(sys, name, open(os.devnull, mode))
    if sys.stdout is not None and not isinstance(sys.stdout, GuardedOutput):
        sys.stdout = GuardedOutput(sys.stdout)
    if sys.stderr is not None and not isinstance(sys.stderr, GuardedOutput):
        sys.stderr = GuardedOutput(sys.stderr, quiet=True)
    return closed


def reader_gone() -> int:
    """Standard output's reader went away (the subcommands' BrokenPipeError
    when run outside ``main``; inside it such a failure is an OutputError):
    nothing more can be shown, and later flushes must not fail."""
    silence_stdout()
    return 0


def silence_stdout() -> None:
    """Standard output failed: what is still buffered for it goes nowhere,
    so flushing it later (at exit too) cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass


WARNING_MODES = ["off", "once", "always", "fatal"]


def main(argv: list[str] | None = None) -> int:
    """The ``zvm`` command; returns (or exits with) its exit status."""
    saved = sys.stdin, sys.stdout, sys.stderr
    closed = secure_streams()
    try:
        if "stdout" in closed:
            fail("standard output is closed: nothing could be shown", 1)
        try:
            status = run(argv)
        except SystemExit:
            finish_output()
            raise
        except OutputError as e:
            silence_stdout()
            fail(f"cannot write to standard output: {e}", 1)
        finish_output()
        return status
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def finish_output() -> None:
    """Flush standard output; one line and exit 1 when it cannot be."""
    try:
        sys.stdout.flush()
    except (OutputError, OSError, ValueError) as e:
        silence_stdout()
        fail(f"cannot write to standard output: {e}", 1)


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and not os.path.exists(argv[0]):
        from zvm.cli.plugins import load_command
        command = load_command(argv[0])
        if command is not None:
            return command(argv[1:])
    argv = [a.replace("--warnings=", "--warnings-mode=", 1) if a.startswith("--warnings=") else a
            for a in argv]
    args = build_parser().parse_args(argv)
    if args.list:
        for path, description in bundled_stories():
            print(f"{os.path.basename(path)}\n    {description}")
        return 0
    if args.story is None:
        stories = bundled_stories()
        if not stories:
            fail("no story named, and no bundled story found (zvm STORY)", 2)
        args.story = stories[0][0]
    elif not os.path.exists(args.story):
        # A bundled story may be named without its folder (zvm --list).
        for path, _ in bundled_stories():
            if os.path.basename(path) == args.story:
                args.story = path
    if args.width < 0 or args.height < 0:
        fail("--width and --height take numbers of 0 or more", 2)
    if not os.path.isdir(args.save_dir):
        fail(f"--save-dir {args.save_dir}: no such folder", 2)

    from zvm.story.loader import load
    try:
        story = load(args.story)
    except StoryError as e:
        fail(f"{args.story}: {e}", 2)
    if args.info:
        print("\n".join(describe(story)), flush=True)
        return 0
    from zvm.story.files import clean_stale_temporaries
    clean_stale_temporaries(args.save_dir)
    for note in story.notes:
        sys.stderr.write(f"zvm: {args.story}: warning: {note}\n")

    from zvm.cli.plugins import load_frontend
    headless = args.headless or not (sys.stdin.isatty() and sys.stdout.isatty())
    if not headless:
        try:
            frontend_class = load_frontend("terminal")
        except (LookupError, ImportError):
            sys.stderr.write("zvm: the terminal UI is not available here; playing headless\n")
            headless = True
    if headless:
        frontend_class = load_frontend("headless")
    if headless:
        # dfrotz writes UTF-8 whatever the locale; undecodable input bytes
        # become U+FFFD rather than an exception.
        for stream in (sys.stdin, sys.stdout):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(encoding="utf-8", errors="replace")
        frontend = frontend_class(stdin=LineInput(sys.stdin), stdout=sys.stdout,
                                  width=args.width, height=args.height, echo=args.echo)
    else:
        frontend = frontend_class(no_colour=args.no_colour)

    from zvm.vm.machine import Machine
    if args.no_cache:
        from zvm.compile import code
        code.use_disk = False
    status, error, machine = 0, None, None
    start = time.perf_counter()
    try:
        machine = Machine(story, frontend, seed=args.seed, warnings=args.warnings,
                          save_dir=args.save_dir, overwrite=args.overwrite,
                          meta=not args.no_meta)
        if args.transcript and writable(args.transcript, "transcript"):
            machine.streams.start_transcript(args.transcript)
        if args.record and writable(args.record, "record of commands"):
            machine.streams.record_path, machine.streams.record_on = args.record, True
        if args.replay and not start_replay(machine, args.replay):
            status = 2
        elif args.autosave and not start_autosave(machine):
            status = 2
        elif args.restore and not start_from_save(machine, args.restore):
            status = 2
        else:
            machine.run()
    except ZMachineError as e:
        status, error = 1, f"fatal: {e}"
    except KeyboardInterrupt:
        status = 130
    except OutputError as e:
        status, error = 1, f"cannot write to standard output: {e}"
        silence_stdout()
    except Exception as e:                  # a fault of zvm's own: report, don't dump
        status, error = 1, f"internal error: {type(e).__name__}: {e} ({_crash_report(story.path)})"
    finally:
        try:
            frontend.close()
        except OutputError as e:
            if not error:
                status, error = 1, f"cannot write to standard output: {e}"
            silence_stdout()
    if error:
        fail(error, status)
    if args.stats and machine is not None:
        elapsed = time.perf_counter() - start
        sys.stderr.write(f"zvm: stats: {machine.instructions} instructions in {elapsed:.3f} s\n")
    return status


def writable(path: str, what: str) -> bool:
    """Whether a file can be opened to add to at path; when not, say so in
    one line (the game plays on without that stream)."""
    try:
        with open(path, "a", encoding="utf-8"):
            pass
        return True
    except OSError as e:
        sys.stderr.write(f"zvm: cannot write the {what} to {path}: {e.strerror or e}; "
                         f"playing on without it\n")
        return False


def describe(story) -> list[str]:
    """The lines ``zvm --info`` prints: the header (§11), the IFID, title
    and author (Treaty of Babel) and a Blorb file's resources."""
    from zvm.story.babel import identify
    h = story.header
    size = len(story.data)
    static_end = min(size, 0x10000)            # §1.1.2: static memory ends by $ffff
    computed = story.checksum()
    where = " (in a Blorb file)" if story.blorb is not None else ""
    lines = [f"story: {story.path}",
             f"format: Z-code version {h.version}{where}, {size} bytes",
             f"release: {h.release}",
             "serial: " + "".join(c if c.isprintable() else "?"
                                  for c in h.serial.decode("latin-1"))]
    lines += [f"warning: {note}" for note in story.notes]
    if h.checksum == computed:
        lines.append(f"checksum: ${h.checksum:04x} (verifies)")
    else:
        lines.append(f"checksum: ${h.checksum:04x} (does not verify: the bytes sum to "
                     f"${computed:04x})")
    lines += [
        f"dynamic memory: $0000-${h.static_base - 1:04x} ({h.static_base} bytes)",
        f"static memory: ${h.static_base:04x}-${static_end - 1:04x} "
        f"({static_end - h.static_base} bytes)",
        f"high memory: ${h.high_base:04x}-${size - 1:05x} ({size - h.high_base} bytes)",
        f"initial PC: ${h.initial_pc:04x}",
        f"dictionary: ${h.dictionary:04x}",
        f"object table: ${h.objects:04x}",
        f"global variables: ${h.globals:04x}",
        f"abbreviations: ${h.abbreviations:04x}",
    ]
    if h.version >= 5 and h.alphabet_table:
        lines.append(f"alphabet table: ${h.alphabet_table:04x}")
    if h.version >= 5 and h.extension:
        lines.append(f"header extension: ${h.extension:04x}")
    if h.version == 7:
        lines.append(f"routines offset: ${h.routines_offset * 8:x}, "
                     f"strings offset: ${h.strings_offset * 8:x}")
    who = identify(story)
    lines.append(f"IFID: {who.ifid} (from the "
                 + {"iFiction": "Blorb's iFiction metadata", "UUID": "UUID in the story",
                    "header": "header"}[who.source] + ")")
    if who.title:
        lines.append(f"title: {who.title}")
    if who.author:
        lines.append(f"author: {who.author}")
    if story.blorb is not None:
        b = story.blorb
        lines.append(f"Blorb resources: {len(b.resources)}")
        for r in b.resources:
            lines.append(f"  {r.usage:<4} {r.number:>4}  {r.chunk_type:<4}  {r.size} bytes")
        others = [c for c in b.chunks if c.type != "RIdx"
                  and c.offset not in {r.offset for r in b.resources}]
        if others:
            lines.append("Blorb chunks: " + ", ".join(f"{c.type} ({c.size} bytes)"
                                                       for c in others))
        if b.release is not None:
            lines.append(f"Blorb release: {b.release}")
        if b.frontispiece is not None:
            lines.append(f"frontispiece: picture {b.frontispiece}")
    return lines


def bundled_stories() -> list[tuple[str, str]]:
    """(path, description) of each story shipped in the ``stories`` package."""
    try:
        from importlib.resources import files
        from zvm import stories
        folder = files(stories)
        return [(str(folder / name), text) for name, text in stories.CATALOGUE.items()
                if (folder / name).is_file()]
    except ImportError:
        return []


def start_from_save(machine, path: str) -> bool:
    """--restore: the machine continues from the save at path; False (the
    reason already said in one line) when it cannot. The save is read with
    a bound and checked whole before the machine sees it."""
    from zvm.story import quetzal
    from zvm.story.files import read_bounded
    try:
        data = read_bounded(path)
        quetzal.decode(data, machine.original_dynamic, story_size=len(machine.mem))
    except OSError as e:
        machine.frontend.message(f"zvm: cannot restore {path}: {e.strerror or e}")
        return False
    except quetzal.SaveError as e:
        machine.frontend.message(f"zvm: cannot restore {path}: {e}")
        return False
    from zvm.vm.ops.saves import restore_from
    pc = restore_from(machine, path, data)
    if pc is None:
        return False
    machine.pc = pc
    return True


def start_replay(machine, path: str) -> bool:
    """--replay: the commands in the file at path come first (read with a
    bound); False, said in one line, when it cannot be read."""
    from zvm.story.files import read_command_file
    try:
        lines = read_command_file(path)
    except OSError as e:
        machine.frontend.message(f"zvm: cannot replay {path}: {e.strerror or e}")
        return False
    machine.frontend.script(lines)
    return True


def start_autosave(machine) -> bool:
    """--autosave: continue from the story's autosave when there is one and
    the player agrees (headless: yes), then keep it up to date each turn."""
    path = os.path.join(machine.save_dir, machine.stem + ".autosave.qzl")
    if os.path.exists(path) and machine.frontend.confirm(
            "Continue the game saved when you last stopped?", True):
        if not start_from_save(machine, path):
            return False
    machine.meta.autosave_path = path
    return True


def _crash_report(story_path: str) -> str:
    """Write the traceback of the exception being handled to a file and
    say where it is."""
    import tempfile
    import traceback
    try:
        fd, path = tempfile.mkstemp(prefix="zvm-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write(f"zvm {__version__}, story {story_path}\n\n")
            traceback.print_exc(file=f)
        return f"details in {path}"
    except OSError:
        return "no crash report could be written"
