"""Compiled code kept between runs, in the user's cache folder.

Files in ``$XDG_CACHE_HOME/zvm`` (or ``~/.cache/zvm``): one per story
with its units (``zvm.compile.code``), and one of tier-0 shapes, which
every story shares (``zvm.compile.shapes``). Each is a marshal of records
(code objects and what goes with them) behind a header naming what it is
for (the kind of file, zvm's version, the Python that compiled it) and a
checksum of its contents. A story's units are a ``Shelf`` instead: an
index read at start-up, then each record read when it is first wanted
and checked against its own checksum, so a run reads only the units it
runs (Zork I's file grows past 3 MB as more of its code proves warm).
A file that is damaged, stale (another zvm, another Python, another
story) or unreadable is ignored, and rewritten at the next save (a
damaged record of a shelf: that record). Files are written atomically
(a temporary file beside them, renamed), and the folder is kept under
``LIMIT`` bytes by removing the files used least recently. Its size is
noted in a file of its own (``USAGE``), so that a run does not read the
size of every file there (a folder near its limit holds thousands).
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from array import array
from bisect import bisect_left

from zvm.records import TYPE_CHECKING
from zvm.story.files import write_atomically

if TYPE_CHECKING:
    from typing import Any, Callable, Hashable, TypeVar
    Record = TypeVar("Record")      # a value marshal can hold; one file's are all alike

FORMAT = 6
MAGIC = b"ZVMC"
SHELF_MAGIC = b"ZVMS"
enabled = True                # zvm --no-cache turns it off
LIMIT = 64 << 20              # bytes the whole folder may hold
USAGE = "usage"               # the folder's size as last counted plus what writes added since,
RECOUNT = 50                  # ... and those writes: counted afresh after this many
FILE_LIMIT = 16 << 20         # bytes one file may hold



def folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zvm")


_compiler: str | None = None


def compiler_fingerprint() -> str:
    """A checksum of the compiler's own source (this package's modules) and
    of the machine its code runs on (``zvm.vm``: generated code calls the
    machine's methods, the object table's and the streams' by name, and
    the opcode functions): code compiled by another compiler or for
    another machine, even of the same version number, is never used.
    Where the source is not at hand (a frozen binary), the binary itself
    stands for it."""
    global _compiler
    if _compiler is None:
        _compiler = source_checksum(*compiler_folders())
    return _compiler


def compiler_folders() -> tuple[str, str, str]:
    """The folders whose source decides compiled code: the compiler's own
    and the machine's (``zvm.vm`` and its opcodes)."""
    here = os.path.dirname(os.path.abspath(__file__))
    vm = os.path.join(os.path.dirname(here), "vm")
    return here, vm, os.path.join(vm, "ops")


def source_files(*folders: str) -> list[str]:
    """The Python source files in folders, in order; none for a folder
    that cannot be read (a frozen binary has no folders of source)."""
    parts = []
    for where in folders:
        try:
            parts += [os.path.join(where, n) for n in sorted(os.listdir(where))
                      if n.endswith(".py")]
        except OSError:
            pass
    return parts


def source_checksum(*folders: str) -> str:
    """A checksum of the Python source in folders (for the names of cache
    files that code there decides); in a frozen binary, which has no
    folders of source, the binary's stamp (``_binary``)."""
    parts = source_files(*folders)
    crc = 0
    try:
        for path in parts:
            with open(path, "rb") as f:
                crc = zlib.crc32(f.read(), crc)
    except OSError:
        return _binary()
    return f"{crc:08x}" if parts else _binary()


def _binary() -> str:
    """What stands for the compiler's source in a frozen binary: the
    binary's size and time (another build is another compiler)."""
    try:
        st = os.stat(sys.executable)
        return f"bin-{st.st_size:x}-{int(st.st_mtime):x}"
    except (OSError, TypeError):
        return ""


def _identity(name: str, version: str) -> bytes:
    """What a file is for: its name, this format, zvm and its compiler, and
    the Python whose marshal format and bytecode it holds."""
    return "\0".join((str(FORMAT), version, compiler_fingerprint(), name,
                      sys.implementation.cache_tag or "", hex(sys.hexversion))).encode()


def path_for(name: str, version: str) -> str:
    tag = f"{zlib.crc32(_identity(name, version)):08x}"
    return os.path.join(folder(), f"{name}-{tag}.zvmc")


def load(name: str, version: str, valid: Callable[[Any], bool]) -> list[Any]:
    """The records saved under name for this zvm that pass ``valid``, or []
    when there are none that can be trusted."""
    path = path_for(name, version)
    try:
        with open(path, "rb") as f:
            data = f.read(FILE_LIMIT + 1)
    except OSError:
        return []
    if len(data) > FILE_LIMIT or not data.startswith(MAGIC) or len(data) < 12:
        return []
    checksum, payload = data[4:12], data[12:]
    content = _contents(payload, checksum, _identity(name, version))
    if content is None:
        return []
    _touch(path)
    return [r for r in content if valid(r)]


def _contents(payload: bytes, checksum: bytes, identity: bytes) -> list[Any] | None:
    """The list a file's payload holds (marshal: its identity and the list),
    or None when the checksum, the marshal or the identity is wrong."""
    if checksum != _checksum(payload):
        return None
    try:
        content = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(content, tuple) or len(content) != 2 \
            or content[0] != identity or not isinstance(content[1], list):
        return None
    return content[1]


def _touch(path: str) -> None:
    """Mark a file as recently used: ``_trim`` keeps it longest."""
    try:
        os.utime(path)
    except OSError:
        pass


def _write(path: str, data: bytes) -> None:
    """Write a cache file; failures are silent: the cache only saves time.
    The folder is trimmed only when the write made it larger (a trim reads
    every file's size, and most runs rewrite their files at the same size)."""
    try:
        before = os.stat(path).st_size
    except OSError:
        before = 0
    try:
        os.makedirs(folder(), exist_ok=True)
        write_atomically(path, data, durable=False)
        if len(data) > before:
            _grew(len(data) - before)
    except OSError:
        pass


def _grew(delta: int) -> None:
    """A write made the folder delta bytes larger: add that to the noted
    size, and count the folder afresh (trimming it) when the note says it
    passes LIMIT, when there is no usable note, or after RECOUNT writes
    (processes writing at the same moment can each miss the other's)."""
    path = os.path.join(folder(), USAGE)
    try:
        with open(path, "rb") as f:
            size, writes = (int(x) for x in f.read(64).split())
    except (OSError, ValueError):
        size, writes = -1, 0
    if size < 0 or writes < 0 or size + delta > LIMIT or writes + 1 >= RECOUNT:
        size, writes = _trim(), 0
    else:
        size, writes = size + delta, writes + 1
    write_atomically(path, f"{size} {writes}".encode(), durable=False)


def _checksum(payload: bytes) -> bytes:
    return (zlib.crc32(payload).to_bytes(4, "big")
            + zlib.adler32(payload).to_bytes(4, "big"))


def save(name: str, version: str, records: list[Record], key: Callable[[Record], Hashable],
         valid: Callable[[Any], bool]) -> None:
    """Write the records (with whatever another process saved under name
    meanwhile, by key); failures are silent: the cache only saves time."""
    path = path_for(name, version)
    known = {key(r): r for r in load(name, version, valid)}
    for r in records:
        known[key(r)] = r
    payload = marshal.dumps((_identity(name, version), list(known.values())))
    if len(payload) > FILE_LIMIT:
        return
    _write(path, MAGIC + _checksum(payload) + payload)


class Shelf:
    """Byte records by number (0 to 2**64 - 1) in one file: ``SHELF_MAGIC``,
    the checksum of the head, its length (4 bytes), the head (marshal: the
    identity and an index: the numbers in order, and each record's offset,
    length and crc32, as four arrays of 64-bit items), then the records.
    ``open`` reads the head only (the shape library's 3,363 rows: 0.1 ms,
    where a dict of tuples took 2); ``get`` finds a number by bisection
    and reads its record (a positioned read of the file opened at the
    start, which a rename by another process leaves alone), None when it
    is missing, short or damaged."""

    def __init__(self, fd: int | None = None) -> None:
        self.fd = fd
        self.numbers = array("Q")
        self.offsets = self.lengths = self.crcs = array("Q")
        self.base = 0                   # where the records start

    def __len__(self) -> int:
        return len(self.numbers)

    @classmethod
    def open(cls, name: str, version: str) -> Shelf:
        """The shelf saved under name for this zvm; an empty one when there
        is none that can be trusted."""
        return cls.at(path_for(name, version), _identity(name, version))

    @classmethod
    def at(cls, path: str, identity: bytes, touch: bool = True) -> Shelf:
        """The shelf in the file at path if it names itself identity; an
        empty one otherwise (``touch``: mark it used, for ``_trim``)."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return cls()
        shelf = cls(fd)
        try:
            first = _pread(fd, 16, 0)
            size = int.from_bytes(first[12:16], "big")
            if len(first) < 16 or first[:4] != SHELF_MAGIC or size > FILE_LIMIT:
                raise ValueError("not a shelf")
            index = _contents(_pread(fd, size, 16), first[4:12], identity)
            if index is None:
                raise ValueError("damaged or stale")
            columns = [array("Q") for _ in range(4)]
            for column, blob in zip(columns, index, strict=True):
                column.frombytes(blob)
            if len({len(column) for column in columns}) != 1:
                raise ValueError("an index whose columns differ in length")
            shelf.numbers, shelf.offsets, shelf.lengths, shelf.crcs = columns
            shelf.base = 16 + size
            if touch:
                _touch(path)
        except (OSError, ValueError, TypeError):      # (TypeError: columns not bytes)
            shelf.close()
            return cls()
        return shelf

    def keys(self) -> list[int]:
        return list(self.numbers)

    def where(self, key: int) -> tuple[int, int, int] | None:
        """(offset after the head, length, crc32) of key's record, or None."""
        numbers = self.numbers
        i = bisect_left(numbers, key)
        if i == len(numbers) or numbers[i] != key:
            return None
        return self.offsets[i], self.lengths[i], self.crcs[i]

    def get(self, key: int) -> bytes | None:
        where = self.where(key)
        if where is None or self.fd is None:
            return None
        offset, length, crc = where
        try:
            data = _pread(self.fd, length, self.base + offset)
        except (OSError, ValueError, OverflowError):
            return None
        return data if len(data) == length and zlib.crc32(data) == crc else None

    def items(self) -> dict[int, bytes]:
        """Every record that can still be read."""
        found = {k: self.get(k) for k in self.numbers}
        return {k: v for k, v in found.items() if v is not None}

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _seek_read(fd: int, length: int, offset: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)               # (no pread: one thread reads)
    return os.read(fd, length)


_pread = getattr(os, "pread", _seek_read)


def save_shelf(name: str, version: str, records: dict[int, bytes],
               merge: Callable[[int, bytes, bytes], bytes] | None = None) -> None:
    """Write the records as the shelf name, with those another process
    saved there meanwhile (a record already there under the same number is
    replaced, or with ``merge``, combined: merge(number, old, new));
    failures are silent, as in ``save``."""
    old = Shelf.open(name, version)
    known = old.items()
    old.close()
    for key, data in records.items():
        before = known.get(key)
        known[key] = data if merge is None or before is None else merge(key, before, data)
    data = shelf_bytes(_identity(name, version), known)
    if len(data) <= FILE_LIMIT:
        _write(path_for(name, version), data)


def shelf_bytes(identity: bytes, records: dict[int, bytes]) -> bytes:
    """The file of a ``Shelf`` holding records (numbers 0 to 2**64 - 1),
    naming itself identity."""
    columns = [array("Q") for _ in range(4)]
    numbers, offsets, lengths, crcs = columns
    kept, offset = [], 0
    for key in sorted(records):
        data = records[key]
        numbers.append(key)
        offsets.append(offset)
        lengths.append(len(data))
        crcs.append(zlib.crc32(data))
        kept.append(data)
        offset += len(data)
    head = marshal.dumps((identity, [column.tobytes() for column in columns]))
    return b"".join([SHELF_MAGIC, _checksum(head), len(head).to_bytes(4, "big"), head, *kept])


def is_code(value: Any) -> bool:
    return type(value).__name__ == "code"


def code_of(blob: bytes) -> Any:
    """A code object kept as marshal bytes (each is read only when used,
    so a run pays only for the code it runs); None when it is not one."""
    try:
        code = marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        return None
    return code if is_code(code) else None


def _trim() -> int:
    """Keep the folder under LIMIT bytes, dropping the least recently used;
    the bytes its files hold now."""
    entries = []
    total = 0
    with os.scandir(folder()) as it:
        for e in it:
            if e.name.endswith(".zvmc") and e.is_file():
                st = e.stat()
                entries.append((st.st_mtime, st.st_size, e.path))
                total += st.st_size
    entries.sort()
    while total > LIMIT and entries:
        _, size, path = entries.pop(0)
        try:
            os.unlink(path)
            total -= size
        except OSError:
            pass
    return total
