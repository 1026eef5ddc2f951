"""Input (§10, §13, §15): read (sread/aread), read_char, tokenise,
encode_text.

A read asks the frontend for a line or a key (``zvm.screen.protocol``).
When the story gave a timer, the frontend returns ``TIMED_OUT`` each time
it runs out; the story's interrupt routine then runs here (§10.5.3, §15
read) and, unless it returned true, the same read is asked for again.
Meta-commands (``zvm.vm.meta``) are taken out of the line before the
story sees it.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import TIMED_OUT, CharRequest, Click, LineRequest, LineResult
from zvm.story.header import EXT_MOUSE_X, EXT_MOUSE_Y, OFFSET
from zvm.vm.ops.screen import show_status

if TYPE_CHECKING:
    from typing import Any, Callable

    from zvm.screen.model import Screen
    from zvm.screen.v6 import V6Screen
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine

TERMINATING_CHARS = OFFSET["terminating_chars"]

# Infocom's interpreters dropped the question marks of a typed line for
# these releases (release.serial; an empty serial is six zero bytes), and
# their parsers expect it: "what is a grue?" asks about "grue". Frotz
# turns every '?' of the line into a space for them; so does zvm (§15
# read leaves it to the interpreter what it stores of the typed text).
_DROPS_QUESTION_MARKS = """
    Zork I: 2.AS000C 5. 15.UG3AU5 20. 23.820428 25.820515 26.820803 28.821013
      30.830330 52.871125 75.830929 76.840509 88.840726 119.880429
    Zork II: 7.UG3AU5 15.820308 17.820427 18.820512 18.820517 19.820721 22.830331
      22.840518 23.830411 48.840904 63.860811
    Zork III: 10.820818 12.821025 15.830331 15.840518 16.830410 17.840727 25.860811
    Mini-Zork: 2.840207 34.871124
    Samplers: 26.840731 53.850407 55.850823 97.870601
    Enchanter: 10.830810 15.831107 16.831118 16.840518 24.851118 29.860820
    Sorcerer: 4.840131 6.840508 13.851021 15.851108 18.860904 63.850916 67.0
      67.831208 85.840106 87.860904
    Spellbreaker: 63.850916 87.860904
    Planetfall: 10.880531 20.830708 26.831014 29.840118 37.851003 39.880501
    Stationfall: 1.861017 63.870218 87.870326 107.870430
    Ballyhoo: 97.851218 99.861014
    Border Zone: 9.871008
    A Mind Forever Voyaging: 1.841226 47.850313 77.850814 79.851122 84.850516
      131.850628
    Hitchhiker's Guide: 31.871119 47.840914 56.841221 58.851002 59.851108
      60.861002 108.840809 119.840822
    Leather Goddesses: 0.BLOWN! 1.851008 4.880405 50.860711 57.860121 59.860730
      59.861114 118.860325 160.860521
    Suspect: 14.841005 18.850222
"""
DROPS_QUESTION_MARKS = frozenset(
    (int(release), serial.encode("latin-1").ljust(6, b"\0"))
    for word in _DROPS_QUESTION_MARKS.split() if word[0].isdigit()
    for release, _, serial in [word.partition(".")]
)


def drops_question_marks(release: int, serial: bytes) -> bool:
    """Whether the story is one of Infocom's releases whose typed lines
    lose their question marks (``_DROPS_QUESTION_MARKS``)."""
    return (release, bytes(serial)) in DROPS_QUESTION_MARKS

Answer = LineResult | Click | int | str


def ask(read: Callable[[Any], Answer], request: LineRequest | CharRequest,
        interrupt: Callable[[], bool], click: Callable[[Click], bool] | None = None) -> Any:
    """Ask the frontend (``read``) until it answers. Each time it says the
    timer ran out, the story's interrupt routine runs (``interrupt``); when
    that returns true the read ends there (§15 read: terminator 0, or key
    0 for read_char), else the same read is asked for again, continuing
    what was typed (§10.5.3). A mouse click counts only when ``click``
    takes it (§10.3.4); otherwise the read goes on."""
    while True:
        answer = read(request)
        if isinstance(answer, LineResult):
            if answer.click is not None and (click is None or not click(answer.click)):
                _continue(request, answer.text)
                continue
            if answer.terminator != TIMED_OUT:
                return answer
            if interrupt():
                return LineResult(answer.text, 0)
            _continue(request, answer.text)
            continue
        if isinstance(answer, Click):
            if click is not None and click(answer):
                return 253 if answer.double else 254
        elif answer != TIMED_OUT:
            return answer
        elif interrupt():
            return 0
        request.continued = True


def _continue(request: LineRequest | CharRequest, typed: str) -> None:
    """The same line is asked for again, with what had been typed."""
    assert isinstance(request, LineRequest)
    request.typed = typed[len(request.preloaded):] \
        if typed.startswith(request.preloaded) else typed
    request.continued = True


def _screen6(m: Machine) -> V6Screen:
    """The screen of a version 6 story."""
    screen = m.screen
    if TYPE_CHECKING:
        assert isinstance(screen, V6Screen)
    return screen


def clicked(m: Machine) -> Callable[[Click], bool]:
    """Version 6 and the mouse (§10.3): whether a click counts (inside the
    mouse window); one that does goes into the header extension table."""
    def take(click: Click) -> bool:
        if m.version != 6:
            return False
        where = _screen6(m).click(click.row, click.col)
        if where is None:
            return False
        for word, value in zip((EXT_MOUSE_X, EXT_MOUSE_Y), where, strict=True):
            a = m.ext_word_addr(word)
            if a:
                m.mem[a], m.mem[a + 1] = (value >> 8) & 255, value & 255
        return True
    return take


def terminators(m: Machine) -> frozenset[int]:
    """§10.5.2.1: the terminating characters table (v5+)."""
    if m.version < 5:
        return frozenset()
    mem = m.mem
    a = (mem[TERMINATING_CHARS] << 8) | mem[TERMINATING_CHARS + 1]
    found: set[int] = set()
    while a and a < len(mem) and mem[a]:
        c = mem[a]
        if c == 255:
            found.update(range(129, 155))
            found.update((252, 253, 254))
        elif 129 <= c <= 154 or 252 <= c <= 254:
            found.add(c)
        a += 1
    return frozenset(found)


def upper_cursor(m: Machine) -> tuple[int, int] | None:
    """The upper window's cursor, 0-based, when input is read there (a
    form filled in at a fixed place, a key read in a status area)."""
    screen = m.screen
    if TYPE_CHECKING:            # asked in versions other than 6
        assert isinstance(screen, Screen)
    if screen.window != 1:
        return None
    return screen.cursor[0] - 1, screen.cursor[1] - 1


def read_line(m: Machine, text: int, time: int, routine: int, read_pc: int) -> int:
    """Read a command into the text buffer (§15 read); the terminator.
    Meta-commands are handled here, before the game sees them."""
    mem = m.mem
    m.input_buffer = text                       # the world hash leaves it out
    v = m.version
    if v <= 4:
        max_len = max(0, mem[text] - 1)
        preloaded = ""
    else:
        max_len = mem[text]
        n = min(mem[text + 1], max_len)
        preloaded = "".join(m.codec.zscii_to_unicode(c) for c in mem[text + 2:text + 2 + n])
    six = v == 6
    request = LineRequest(max_len=max_len, preloaded=preloaded,
                          timeout=time if routine else 0, terminators=terminators(m),
                          upper_cursor=None if six else upper_cursor(m),
                          place=_screen6(m).input_place(len(preloaded)) if six else None)
    m.meta.remember_turn(read_pc)
    interrupt = _interrupt(m, routine, request, len(preloaded))
    while True:
        result = ask(m.frontend.read_line, request, interrupt, clicked(m) if six else None)
        m.notice_resize()
        line, terminator = result.text, result.terminator   # preloaded text included
        if terminator == 0 or not m.meta.command(line):
            break
        request.typed, request.continued = "", False
    if request.upper_cursor is not None and terminator == 13:
        m.screen.print("\n")              # Enter moves the upper cursor on (Frotz)
    if six:
        _screen6(m).input_done(line[len(preloaded):] if line.startswith(preloaded) else line,
                               terminator)
    typed = line.lower()
    if drops_question_marks(m.header.release, m.header.serial):
        typed = typed.replace("?", " ")
    zs = [m.codec.unicode_to_zscii(ch) for ch in typed][:max_len]
    if v <= 4:
        mem[text + 1:text + 1 + len(zs)] = bytes(zs)
        mem[text + 1 + len(zs)] = 0
    else:
        mem[text + 1] = len(zs)
        mem[text + 2:text + 2 + len(zs)] = bytes(zs)
    if m.streams.transcript_on and not six:     # §7.1.1.1: in v6 that is the game's
        m.streams.write_transcript(line + "\n")
    m.streams.record(line)
    return terminator


def _interrupt(m: Machine, routine: int, request: LineRequest | CharRequest | None = None,
               preloaded: int = 0) -> Callable[[], bool]:
    """The story's interrupt routine for a timed read, as ``ask`` calls it.
    In version 6 the read goes on where the routine left the cursor."""
    def run() -> bool:
        m.notice_resize()
        done = m.call_interrupt(routine) != 0
        if request is not None and request.place is not None:
            request.place = _screen6(m).input_place(preloaded)
        return done
    return run


def op_sread(m: Machine, ins: Instruction, text: int, parse: int = 0, time: int = 0,
             routine: int = 0) -> int:
    """read in versions 1-4: the status line is shown first (§10.5.1)."""
    if m.version <= 3:
        show_status(m)
    read_line(m, text, time, routine, ins.addr)
    m.parse_buffer = parse
    if parse:
        m.dictionaries.tokenise(text, parse)
    return ins.next


def op_aread(m: Machine, ins: Instruction, text: int, parse: int = 0, time: int = 0,
             routine: int = 0) -> int:
    """read in versions 5+: stores the terminating character (§15 read)."""
    term = read_line(m, text, time, routine, ins.addr)
    m.parse_buffer = parse
    if parse:
        m.dictionaries.tokenise(text, parse)
    return m.store_result(ins, term)


def op_read_char(m: Machine, ins: Instruction, device: int = 1, time: int = 0,
                 routine: int = 0) -> int:
    """§15 read_char: one key as ZSCII (§10.7); a timeout whose routine
    returns true gives 0."""
    six = m.version == 6
    request = CharRequest(timeout=time if routine else 0,
                          upper_cursor=None if six else upper_cursor(m),
                          place=_screen6(m).input_place(0) if six else None)
    key = ask(m.frontend.read_char, request, _interrupt(m, routine, request),
              clicked(m) if six else None)
    if six:
        _screen6(m).key_done()
    m.notice_resize()
    code = m.codec.unicode_to_zscii(key) if isinstance(key, str) else key
    return m.store_result(ins, code)


def op_tokenise(m: Machine, ins: Instruction, text: int, parse: int, dictionary: int = 0,
                flag: int = 0) -> int:
    m.dictionaries.tokenise(text, parse, dictionary, bool(flag))
    return ins.next


def op_encode_text(m: Machine, ins: Instruction, text: int, length: int, start: int,
                   coded: int) -> int:
    """§15 encode_text: a word from the text buffer in dictionary form (§3.7)."""
    mem = m.mem
    word = "".join(m.codec.zscii_to_unicode(c) for c in mem[text + start:text + start + length])
    data = m.codec.encode(word)
    mem[coded:coded + len(data)] = data
    return ins.next
