"""The ``zvm`` command: play a story (§ references are to the Standard).

``zvm STORY`` plays in the terminal UI when standard input and output are
terminals, headless otherwise or with ``--headless``. Exit status: 0 normal
end (including the end of input), 1 a fatal Z-machine error, 2 a story file
that cannot be run or a usage error.
"""

from __future__ import annotations

import os
import sys
import time

from zvm import __version__
from zvm.cli.options import parse
from zvm.cli.play import make_machine, open_terminal_ui, pictures_option
from zvm.cli.stdio import LineInput, OutputFailed, secure_streams, writable
from zvm.errors import StoryError, ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import PLAIN

if TYPE_CHECKING:
    from zvm.story.loader import Story
    from zvm.vm.machine import Machine


def fail(message: str, status: int) -> None:
    sys.stdout.flush()
    sys.stderr.write(f"zvm: {message}\n")
    sys.stderr.flush()
    sys.exit(status)


def main(argv: list[str] | None = None) -> int:
    """The ``zvm`` command, run under its guard (``zvm.cli.guard``): closed
    standard streams are made safe first, and put back at the end for a
    caller in the same process."""
    saved = sys.stdin, sys.stdout, sys.stderr
    closed = secure_streams()
    try:
        if "stdout" in closed:
            fail("standard output is closed: nothing could be shown", 1)
        return run(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and not os.path.exists(argv[0]):
        from zvm.cli.plugins import load_command
        command = load_command(argv[0])
        if command is not None:
            return command(argv[1:])
    args = parse(argv)
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
        given = getattr(args, "from_config", {}).get("save_dir")
        fail(f"save-dir {args.save_dir} (set in {given}): no such folder" if given
             else f"--save-dir {args.save_dir}: no such folder", 2)

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
        # become U+FFFD rather than an exception. Output is buffered even
        # under PYTHONUNBUFFERED: the frontend flushes before each input
        # and each message, and a write per piece of text is a system
        # call each.
        for stream in (sys.stdin, sys.stdout):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(encoding="utf-8", errors="replace")
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(write_through=False)
        frontend = frontend_class(stdin=LineInput(sys.stdin), stdout=sys.stdout,
                                  width=args.width, height=args.height, echo=args.echo,
                                  **pictures_option(args))
    else:
        frontend = open_terminal_ui(frontend_class, args, story)

    from zvm.vm.machine import Machine
    if args.no_cache:
        from zvm.compile import diskcache
        diskcache.enabled = False
    status, error, machine = 0, None, None
    start = time.perf_counter()
    try:
        machine = make_machine(Machine, story, frontend, args)
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
            story_ended = getattr(frontend, "story_ended", None)
            if story_ended is not None:
                story_ended()           # the terminal UI: keep the last screen until a key
    except ZMachineError as e:
        status, error = 1, f"fatal: {e}"
    except KeyboardInterrupt:
        status = 130
    except (OutputFailed, BrokenPipeError):
        raise                               # the guard says it in one line
    except Exception as e:                  # a fault of zvm's own: report, don't dump
        status, error = 1, f"internal error: {type(e).__name__}: {e} ({_crash_report(story.path)})"
    finally:
        frontend.close()
    if error:
        fail(error, status)
    if args.stats and machine is not None:
        elapsed = time.perf_counter() - start
        sys.stdout.flush()
        sys.stderr.write(f"zvm: stats: {machine.instructions} instructions in {elapsed:.3f} s\n")
    return status


def describe(story: Story) -> list[str]:
    """The lines ``zvm --info`` prints: the header (§11), the IFID, title
    and author (Treaty of Babel) and a Blorb file's resources."""
    from zvm.story.babel import identify
    h = story.header
    size = len(story.data)
    static_end = min(size, 0x10000)            # §1.1: static memory ends by $ffff
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
        f"main routine: ${h.routine_address(h.initial_pc):04x} (packed ${h.initial_pc:04x})"
        if h.version == 6 else f"initial PC: ${h.initial_pc:04x}",
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


def start_from_save(machine: Machine, path: str) -> bool:
    """--restore: the machine continues from the save at path; False (the
    reason already said in one line) when it cannot."""
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
    from zvm.vm.ops.saves import TURN_PROMPT, restore_from, resumes_at_read
    pc = restore_from(machine, path, data)
    if pc is None:
        return False
    machine.pc = pc
    if resumes_at_read(machine, data):          # its read runs again: show its prompt
        machine.frontend.write(TURN_PROMPT, PLAIN)
    return True


def start_replay(machine: Machine, path: str) -> bool:
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


def start_autosave(machine: Machine) -> bool:
    """--autosave: continue from the story's autosave when there is one and
    the player agrees (headless: yes), then keep it up to date each turn."""
    path = os.path.join(machine.save_dir, machine.stem + ".autosave.qzl")
    if os.path.exists(path) and machine.frontend.confirm(
            "Continue the game saved when you last stopped?", True):
        if not start_from_save(machine, path):
            return False
    machine.meta.autosave_path = path
    return True


def reader_gone() -> int:
    """Standard output's reader went away: raises ``OutputFailed``, which
    the command's guard (``zvm.cli.guard``) turns into one line and a
    non-zero status."""
    import errno
    raise OutputFailed(BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)))


def _crash_report(story_path: str) -> str:
    """Write the traceback of the exception being handled to a file and
    say where it is."""
    import tempfile
    import traceback

    from zvm.compile.shapes import publish_sources
    publish_sources()                           # generated code's lines in the report
    try:
        fd, path = tempfile.mkstemp(prefix="zvm-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write(f"zvm {__version__}, story {story_path}\n\n")
            traceback.print_exc(file=f)
        return f"details in {path}"
    except OSError:
        return "no crash report could be written"
