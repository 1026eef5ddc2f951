"""What the fuzz harness (``zvm.tools.fuzz``) runs: a ``Case`` is one run of
zvm — a story (a file, changed by byte patches), perhaps a save, the lines
on standard input, the command's options, and the state of its streams and
folders. ``generate(seed, index, pool)`` makes case number index of a
seed's sequence, the same every time.

Families: ``story`` (damaged header fields and code), ``crafted`` (an
instruction with the wrong operand count §4.3-4.4, code running off the end
of memory, header pointers out of range §11), ``save`` (damaged and crafted
Quetzal saves, see ``fuzz_saves``), ``input`` (hostile lines and
meta-commands), ``fault`` (closed or full streams, read-only or full save
folders, endless input, stale temporary files) and ``library``
(``zvm.Game``, direct and isolated).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field, replace
from collections.abc import Collection
from typing import Callable

from zvm.story.state import ZVM_TURN as TURN_CHUNK
from zvm.tools import fuzz_saves

SAVE_NAME = "case.qzl"

COMMANDS = [b"look", b"inventory", b"north", b"south", b"east", b"west", b"up", b"down",
            b"take all", b"drop all", b"open mailbox", b"read leaflet", b"examine me",
            b"score", b"verbose", b"wait", b"again", b"undo", b"restart", b"y", b"n",
            b"yes", b"no", b"", b"1", b"2", b"help", b"all", b"q", b" "]

# Header words (§11.1) that point somewhere, by offset.
POINTERS = {0x04: "high memory", 0x06: "initial PC", 0x08: "dictionary", 0x0A: "objects",
            0x0C: "globals", 0x0E: "static memory", 0x18: "abbreviations",
            0x1A: "file length", 0x2E: "terminating characters", 0x34: "alphabet table",
            0x36: "header extension"}


@dataclass
class Case:
    family: str
    tag: str                                 # the generator's variant
    story: str                               # the base story file
    story_data: bytes | None = None          # base bytes instead of the file's
    story_patches: list[tuple[int, int]] = field(default_factory=list)
    story_cut: int | None = None             # keep only this many bytes
    save: bytes | None = None                # placed as SAVE_NAME in the save folder
    save_patches: list[tuple[int, int]] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    args: list[str] = field(default_factory=list)     # {dir} {save} {story} expand
    argv: list[str] | None = None            # the whole command line instead
    stdin: str = "lines"                     # lines | zero | closed | null
    stdout: str = "pipe"                     # pipe | closed | full | broken
    stderr: str = "pipe"                     # pipe | closed
    readonly: bool = False                   # the save folder cannot be written
    disk_limit: int | None = None            # bytes a file may grow to (a full disk)
    files: dict[str, bytes] = field(default_factory=dict)   # more files in the folder
    stale: list[str] = field(default_factory=list)          # must be cleaned away
    foreign: list[str] = field(default_factory=list)        # must be left alone
    library: list[str] | None = None         # zvm.Game actions instead of the command
    dfrotz: bool = False                     # dfrotz can run the same story and input
    note: str = ""

    def story_bytes(self, cache: dict) -> bytes:
        if self.story_data is not None:
            data = bytearray(self.story_data)
        else:
            if self.story not in cache:
                with open(self.story, "rb") as f:
                    cache[self.story] = f.read()
            data = bytearray(cache[self.story])
        for offset, value in self.story_patches:
            if offset < len(data):
                data[offset] = value
        return bytes(data if self.story_cut is None else data[:self.story_cut])

    def save_bytes(self) -> bytes | None:
        if self.save is None:
            return None
        data = bytearray(self.save)
        for offset, value in self.save_patches:
            if offset < len(data):
                data[offset] = value
        return bytes(data)

    def describe(self) -> list[str]:
        """The case as lines a person can reproduce it from."""
        out = [f"{self.family}/{self.tag}" + (f": {self.note}" if self.note else "")]
        base = "a generated story" if self.story_data is not None else self.story
        out.append(f"story: {base}" + (f", cut to {self.story_cut} bytes"
                                       if self.story_cut is not None else ""))
        if self.story_patches:
            out.append("  bytes changed: " + patch_text(self.story_patches))
        if self.save is not None:
            out.append(f"save {SAVE_NAME}: {len(self.save)} bytes"
                       + (", changed: " + patch_text(self.save_patches)
                          if self.save_patches else ""))
        for name, data in self.files.items():
            out.append(f"file {name}: {data[:80]!r}")
        if self.library is not None:
            out.append(f"library: {' '.join(self.library)}")
        elif self.argv is not None:
            out.append("command: zvm " + " ".join(self.argv))
        else:
            out.append("command: zvm --headless --seed 1 --save-dir DIR "
                       + " ".join(self.args + ["STORY"]))
        streams = [f"{name} {state}" for name, state, usual in
                   (("stdin", self.stdin, "lines"), ("stdout", self.stdout, "pipe"),
                    ("stderr", self.stderr, "pipe")) if state != usual]
        if self.readonly:
            streams.append("save folder read-only")
        if self.disk_limit is not None:
            streams.append(f"files limited to {self.disk_limit} bytes (a full disk)")
        if streams:
            out.append("streams: " + ", ".join(streams))
        if self.lines:
            shown = [line[:60] + (b"...(%d bytes)" % len(line) if len(line) > 60 else b"")
                     for line in self.lines]
            out.append("input: " + " | ".join(repr(s)[2:-1] for s in shown))
        return out


def patch_text(patches: list[tuple[int, int]], limit: int = 24) -> str:
    """'$50d5: d5 7f 01, $6000: 00' for runs of consecutive changes."""
    runs: list[list] = []
    for offset, value in sorted(patches):
        if runs and runs[-1][0] + len(runs[-1][1]) == offset:
            runs[-1][1].append(value)
        else:
            runs.append([offset, [value]])
    text = ", ".join(f"${o:04x}: " + " ".join(f"{v:02x}" for v in vals) for o, vals in runs[:limit])
    return text + (f" ... ({len(runs) - limit} more runs)" if len(runs) > limit else "")


@dataclass
class Pool:
    """The stories to start from, with the valid saves made of them (by
    ``make_saves`` when a case first needs them)."""
    stories: list[str]
    saves: dict[str, list[bytes]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    make_saves: Callable[[str], list[bytes]] | None = None

    def saves_of(self, story: str) -> list[bytes]:
        if story not in self.saves:
            self.saves[story] = self.make_saves(story) if self.make_saves else []
        return self.saves[story]

    def data(self, story: str) -> bytes:
        if story not in self.cache:
            with open(story, "rb") as f:
                self.cache[story] = f.read()
        return self.cache[story]

    def with_version(self, rng: random.Random,
                     versions: Collection[int] = (1, 2, 3, 4, 5, 7, 8)) -> str:
        fits = [s for s in self.stories if self.data(s)[:1] and self.data(s)[0] in versions]
        return rng.choice(fits or self.stories)


def _word(data: bytes, offset: int) -> int:
    return (data[offset] << 8) | data[offset + 1]


def _set_word(offset: int, value: int) -> list[tuple[int, int]]:
    return [(offset, (value >> 8) & 255), (offset + 1, value & 255)]


def commands(rng: random.Random, most: int = 6) -> list[bytes]:
    return [rng.choice(COMMANDS) for _ in range(rng.randrange(most + 1))]


# -- stories ----------------------------------------------------------------
def story_case(rng: random.Random, pool: Pool) -> Case:
    story = rng.choice(pool.stories)
    data = pool.data(story)
    tag = rng.choice(["header-bytes", "code-bytes", "code-near-start", "cut", "generated"])
    case = Case("story", tag, story, lines=commands(rng), dfrotz=True)
    if tag == "header-bytes":
        case.story_patches = sorted({rng.randrange(1, 0x40) if rng.random() < 0.95 else 0:
                                     rng.randrange(256)
                                     for _ in range(rng.randrange(1, 4))}.items())
    elif tag == "code-bytes":
        start = max(0x40, _word(data, 0x04) if rng.random() < 0.5 else 0x40)
        case.story_patches = sorted({rng.randrange(start, len(data)): rng.randrange(256)
                                     for _ in range(rng.randrange(1, 17))}.items())
    elif tag == "code-near-start":
        pc = _word(data, 0x06)
        case.story_patches = sorted({min(len(data) - 1, pc + rng.randrange(200)):
                                     rng.randrange(256)
                                     for _ in range(rng.randrange(1, 6))}.items())
    elif tag == "cut":
        case.story_patches = _set_word(0x1A, 0) if rng.random() < 0.7 else []
        case.story_cut = rng.randrange(0x40, len(data))
    else:                                   # a story of random bytes behind a sane header
        version = rng.choice([3, 5, 8])
        size = rng.choice([2048, 4096, 16384])
        static = rng.randrange(0x300, size // 2)
        # Objects at $40, globals at $100, an empty dictionary at the start
        # of static memory, code right after it: random bytes elsewhere.
        head = ([(0, version)] + _set_word(0x04, static) + _set_word(0x06, static + 4)
                + _set_word(0x08, static) + _set_word(0x0A, 0x40) + _set_word(0x0C, 0x100)
                + _set_word(0x0E, static) + [(static, 0), (static + 1, 7), (static + 2, 0),
                                             (static + 3, 0)])
        body = [(i, rng.randrange(256)) for i in range(0x40, size) if rng.random() < 0.7]
        case.story, case.story_data = "", bytes(size)
        case.story_patches = body + head          # the header's bytes win
        case.note = f"version {version}, {size} bytes of random code"
    return case


def _operands(rng: random.Random, count: int, types_bytes: int) -> list[int]:
    """Type bytes for count operands (§4.4.3), then the operand bytes."""
    types = [rng.choice([0, 1, 1, 2]) for _ in range(count)] + [3] * (4 * types_bytes - count)
    out = []
    for i in range(types_bytes):
        four = types[4 * i:4 * i + 4]
        out.append((four[0] << 6) | (four[1] << 4) | (four[2] << 2) | four[3])
    for t in types[:count]:
        if t == 0:
            out += [rng.choice([0, 0xFF, 0x7F, rng.randrange(256)]), rng.randrange(256)]
        elif t == 1:
            out.append(rng.choice([0, 1, 2, 255, rng.randrange(256)]))
        else:
            out.append(rng.choice([0, 1, 15, 16, 255, rng.randrange(256)]))
    return out


def crafted_case(rng: random.Random, pool: Pool) -> Case:
    tag = rng.choice(["wrong-operands", "wrong-operands", "pc-off-end", "pointer",
                      "pointer", "extension"])
    story = pool.with_version(rng, (5, 8) if tag == "extension" else (1, 2, 3, 4, 5, 7, 8))
    data = pool.data(story)
    version, size = data[0], len(data)
    case = Case("crafted", tag, story, lines=commands(rng, 3), dfrotz=True)
    if tag == "wrong-operands":
        # Any opcode in variable (or extended) form with 0-4 operands (0-8
        # for call_vs2/call_vn2), whatever the opcode takes (§4.3, §14).
        form = rng.choice(["2OP", "VAR", "VAR", "EXT"] if version >= 5 else ["2OP", "VAR"])
        if form == "EXT":
            code = [0xBE, rng.randrange(0x1E)] + _operands(rng, rng.randrange(5), 1)
        else:
            number = rng.randrange(32)
            wide = form == "VAR" and number in (12, 26)
            code = [(0xC0 if form == "2OP" else 0xE0) | number]
            code += _operands(rng, rng.randrange(9 if wide else 5), 2 if wide else 1)
        code += [rng.randrange(256) for _ in range(4)]      # store, branch, text ...
        pc = _word(data, 0x06)
        case.story_patches = [(pc + i, b) for i, b in enumerate(code) if pc + i < size]
        case.note = f"{form} instruction at the initial PC ${pc:04x}"
    elif tag == "pc-off-end":
        # The last bytes of memory start an instruction that needs more.
        k = rng.randrange(1, 5)
        length = size // {1: 2, 2: 2, 3: 2, 4: 4, 5: 4}.get(version, 8) if rng.random() < 0.5 else 0
        case.story_patches = (_set_word(0x06, size - k) + _set_word(0x1A, length)
                              + [(size - k + i, rng.choice([0xE0, 0xB2, 0xBE, 0x8C, 0xC1,
                                                            0x0D, 0xB4, rng.randrange(256)]))
                                 for i in range(k)])
        case.note = f"initial PC {k} bytes before the end"
    elif tag == "pointer":
        offset = rng.choice(list(POINTERS))
        value = rng.choice([0, 1, 0x3F, size - 1, size - 2, size, size + 1, 0xFFFF, 0x8000,
                            rng.randrange(0x10000)])
        case.story_patches = _set_word(offset, value)
        case.note = f"{POINTERS[offset]} (${offset:02x}) set to ${value:04x}"
    else:
        ext = _word(data, 0x36)
        if not ext or ext + 8 > size:
            ext = rng.choice([0x40, _word(data, 0x0E) - 8])
            case.story_patches = _set_word(0x36, ext) + _set_word(ext, 3)
        word = rng.choice([0, 3, 3, 3, rng.randrange(1, 4)])
        value = rng.choice([0xFFFF, size, size - 1, 0xFFFE, rng.randrange(0x10000)])
        case.story_patches += _set_word(ext + 2 * word, value)
        case.note = f"header extension at ${ext:04x}, word {word} set to ${value:04x}"
    return case


# -- saves ---------------------------------------------------------------------
def save_case(rng: random.Random, pool: Pool) -> Case:
    # The first story, in an order of the seed's, that has saves (some
    # stories end before they ever read a line).
    order = rng.sample(pool.stories, len(pool.stories))
    story = next((s for s in order if pool.saves_of(s)), None)
    if story is None:
        return input_case(rng, pool)
    base = rng.choice(pool.saves_of(story))
    size = len(pool.data(story))
    if rng.random() < 0.25:
        tag, save = "random-bytes", base
        patches = fuzz_saves.random_patches(rng, base, rng.randrange(1, 9),
                                            0 if rng.random() < 0.1 else 12)
    else:
        tag, save = fuzz_saves.mutate(rng, base, size)
        patches = []
    how = rng.choice(["--restore", "/restore", "game", "library"])
    # A save the game made itself (no chunk of zvm's turn saves) dfrotz can
    # restore too, so a run past the bound is judged beside dfrotz's
    # (``fuzz_run.dfrotz_input``: /restore and --restore become its own).
    game_save = all(cid != TURN_CHUNK for cid, _ in fuzz_saves.chunks(base))
    case = Case("save", f"{tag} via {how}", story, save=save, save_patches=patches,
                lines=commands(rng, 3), dfrotz=game_save and how != "library")
    if how == "--restore":
        case.args = ["--restore", SAVE_NAME]
    elif how == "/restore":
        case.lines = [b"/restore " + SAVE_NAME.encode()] + case.lines
    elif how == "game":
        case.lines = [b"restore", SAVE_NAME.encode()] + case.lines
    else:
        case.library = ["new", rng.choice(["direct", "isolated"]), "reset", "restore"] + \
            ["step"] * len(case.lines) + [rng.choice(["objects", "dictionary", "world_hash"])]
    return case


# -- input -------------------------------------------------------------------
def hostile_line(rng: random.Random) -> bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice([b"a", b"look ", b"\xc3\xa9"]) * rng.choice([256, 300, 5000, 100000,
                                                                       1000000])
    if kind == 1:
        return bytes(rng.choice(list(range(32)) + [127]) for _ in range(rng.randrange(1, 40)))
    if kind == 2:
        return bytes(rng.randrange(128, 256) for _ in range(rng.randrange(1, 40)))
    if kind == 3:
        return rng.choice([b"\x1b[2J\x1b[H", b"\x1b]0;title\x07", b"look\r", b"\x00" * 10,
                           b"\xef\xbb\xbflook", b"\xf0\x9f\x98\x80", b"\xe2\x80\xae\xe2\x80\x8b"])
    if kind == 4:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    return rng.choice(COMMANDS)


META = [b"/undo", b"/undo", b"/save", b"/save x", b"/save ../x", b"/save /tmp/../x",
        b"/save " + b"x" * 300, b"/save \x00", b"/save .", b"/restore", b"/restore nothing",
        b"/restore /dev/zero", b"/restore .", b"/restore /", b"/restore " + SAVE_NAME.encode(),
        b"/replay self.rec", b"/replay a.rec", b"/replay /dev/zero", b"/replay nothing",
        b"/replay /", b"/script on", b"/script off", b"/script", b"/record on",
        b"/record off", b"/seed 99999999999999999999", b"/seed -1", b"/seed x", b"/restart",
        b"/help", b"/", b"//look", b"/nonsense", b"/UNDO", b"/save " + SAVE_NAME.encode()]

REPLAY_FILES = {"self.rec": b"look\n/replay self.rec\n",
                "a.rec": b"look\n/replay b.rec\n", "b.rec": b"wait\n/replay a.rec\n"}


def input_case(rng: random.Random, pool: Pool) -> Case:
    story = rng.choice(pool.stories)
    tag = rng.choice(["hostile", "meta", "meta", "mixed"])
    lines = []
    for _ in range(rng.randrange(1, 9)):
        if tag == "hostile":
            lines.append(hostile_line(rng))
        elif tag == "meta":
            lines.append(rng.choice(META) if rng.random() < 0.6 else rng.choice(COMMANDS))
        else:
            lines.append(rng.choice([hostile_line(rng), rng.choice(META)]))
    case = Case("input", tag, story, lines=lines, files=dict(REPLAY_FILES),
                dfrotz=tag == "hostile")
    saves = pool.saves_of(story)
    if saves:
        case.save = rng.choice(saves)
    return case


# -- faults ------------------------------------------------------------------
def fault_case(rng: random.Random, pool: Pool) -> Case:
    story = rng.choice(pool.stories)
    tag = rng.choice(["stdout-closed", "stdout-full", "stdout-broken", "stdin-closed",
                      "stderr-closed", "info-streams", "readonly-folder", "full-disk",
                      "devfull-streams", "endless-input", "self-replay", "stale-temps"])
    case = Case("fault", tag, story, lines=commands(rng, 4))
    if tag.startswith("stdout-"):
        case.stdout = tag.split("-")[1]
        if rng.random() < 0.3:
            case.lines.append(b"/help")
    elif tag == "stdin-closed":
        case.stdin = "closed"
        case.args = rng.choice([[], ["--autosave"], ["--replay", "a.rec"]])
        case.files = dict(REPLAY_FILES)
    elif tag == "stderr-closed":
        case.stderr = "closed"
        case.argv = rng.choice([["--bogus"], ["--width", "x"], ["--width=-3", "{story}"],
                                ["nothing.z5"], ["--save-dir", "nowhere", "{story}"],
                                ["--headless", "{story}"], ["--restore", "nothing", "{story}"]])
    elif tag == "info-streams":
        case.stdout = rng.choice(["closed", "full", "broken"])
        case.argv = rng.choice([["--info", "{story}"], ["--list"], ["--help"], ["--version"],
                                ["dis", "{story}"], ["dump", "{story}"]])
    elif tag in ("readonly-folder", "full-disk"):
        if tag == "readonly-folder":
            case.readonly = True
        else:
            case.disk_limit = rng.choice([0, 10, 200])
        case.args = rng.choice([[], ["--autosave"], ["--transcript", "t.txt"],
                                ["--record", "r.rec"]])
        case.lines = [rng.choice([b"/save x", b"/script on", b"/record on", b"look"]),
                      b"look", rng.choice([b"save", b"/save"]), b"x.qzl", b"y", b"look"]
    elif tag == "devfull-streams":
        case.args = rng.choice([["--transcript", "/dev/full"], ["--record", "/dev/full"],
                                ["--transcript", "/"], ["--record", "/proc/x"]])
        case.lines = [b"look", b"/script on", b"/record on", b"look"]
    elif tag == "endless-input":
        how = rng.choice(["stdin", "--replay", "/replay"])
        if how == "stdin":
            case.stdin = "zero"
        elif how == "--replay":
            case.args = ["--replay", "/dev/zero"]
        else:
            case.lines = [b"/replay /dev/zero", b"look"]
        case.note = f"/dev/zero through {how}"
    elif tag == "self-replay":
        case.files = dict(REPLAY_FILES)
        first = rng.choice(["self.rec", "a.rec"])
        if rng.random() < 0.5:
            case.args = ["--replay", first]
        else:
            case.lines = [b"/replay " + first.encode(), b"look"]
    else:
        case.stale = fuzz_saves.stale_names(rng)
        case.foreign = fuzz_saves.foreign_names(rng)
        case.lines = [b"look", b"/save x"]
    return case


# -- the library ---------------------------------------------------------------
def library_case(rng: random.Random, pool: Pool) -> Case:
    base = rng.choice([story_case, crafted_case])(rng, pool) if rng.random() < 0.7 else \
        Case("library", "plain", rng.choice(pool.stories), lines=commands(rng))
    actions = ["new", rng.choice(["direct", "isolated"]), "reset"]
    for _ in range(rng.randrange(1, 8)):
        actions.append(rng.choice(["step", "step", "objects", "dictionary", "world_hash",
                                   "snapshot", "copy", "inventory", "location", "score"]))
    steps = actions.count("step")
    lines = (base.lines + commands(rng, steps))[:steps]
    lines += [b""] * (steps - len(lines))
    # A direct game has no time bound (zvm.Game's docstring): one that runs
    # past the fuzzer's is excused, as a story case is, when dfrotz also
    # runs on with the same story and lines. An isolated game never is.
    return replace(base, family="library", tag=f"{base.family}-{base.tag}", library=actions,
                   lines=lines, dfrotz=base.dfrotz and actions[1] == "direct")


FAMILIES = {"story": story_case, "crafted": crafted_case, "save": save_case,
            "input": input_case, "fault": fault_case, "library": library_case}
# One cycle of the schedule: each family in turn, the busiest more often.
SCHEDULE = ["story", "crafted", "save", "input", "fault", "library", "story", "crafted",
            "save", "input", "fault", "story", "crafted", "save"]


def generate(seed: int, index: int, pool: Pool,
             families: Collection[str] | None = None) -> Case:
    """Case number index of seed's sequence (the same on every run)."""
    schedule = [f for f in SCHEDULE if families is None or f in families] or SCHEDULE
    rng = random.Random(f"zvm-fuzz:{seed}:{index}")
    case = FAMILIES[schedule[index % len(schedule)]](rng, pool)
    if case.story and not os.path.isfile(case.story):
        raise FileNotFoundError(case.story)
    return case
