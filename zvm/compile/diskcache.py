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
``LIMIT`` bytes by removing the files used least recently.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib

from zvm.records import TYPE_CHECKING
from zvm.story.files import write_atomically

if TYPE_CHECKING:
    from typing import Any, Callable, Hashable, TypeVar
    Record = TypeVar("Record")      # a value marshal can hold; one file's are all alike

FORMAT = 5
MAGIC = b"ZVMC"
SHELF_MAGIC = b"ZVMS"
enabled = True                # zvm --no-cache turns it off
LIMIT = 64 << 20              # bytes the whole folder may hold
FILE_LIMIT = 16 << 20         # bytes one file may hold



def folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zvm")


_compiler: str | None = None


def compiler_fingerprint() -> str:
    """A checksum of the compiler's own source (this package's modules and
    the opcode functions it calls): code compiled by another compiler,
    even one of the same version number, is never used. Where the source
    is not at hand (a frozen binary), the binary itself stands for it."""
    global _compiler
    if _compiler is None:
        here = os.path.dirname(os.path.abspath(__file__))
        parts = []
        for where in (here, os.path.join(os.path.dirname(here), "vm", "ops")):
            try:
                parts += [os.path.join(where, n) for n in sorted(os.listdir(where))
                          if n.endswith(".py")]
            except OSError:             # a frozen binary has no folders of source
                pass
        crc = 0
        try:
            for path in parts:
                with open(path, "rb") as f:
                    crc = zlib.crc32(f.read(), crc)
            _compiler = f"{crc:08x}" if parts else _binary()
        except OSError:
            _compiler = _binary()
    return _compiler


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
    if checksum != _checksum(payload):
        return []
    try:
        content = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return []
    if not isinstance(content, tuple) or len(content) != 2 \
            or content[0] != _identity(name, version) or not isinstance(content[1], list):
        return []
    try:
        os.utime(path)                      # recently used: kept longest
    except OSError:
        pass
    return [r for r in content[1] if valid(r)]


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
    data = MAGIC + _checksum(payload) + payload
    try:
        os.makedirs(folder(), exist_ok=True)
        write_atomically(path, data, durable=False)
        _trim()
    except OSError:
        pass


class Shelf:
    """Byte records by number in one file: ``SHELF_MAGIC``, the checksum of
    the head, its length (4 bytes), the head (marshal: the identity and an
    index of (number, offset, length, crc32)), then the records. ``open``
    reads the head only; ``get`` reads one record (a positioned read of the
    file opened at the start, which a rename by another process leaves
    alone) and gives None when it is missing, short or damaged."""

    def __init__(self, fd: int | None = None,
                 index: dict[int, tuple[int, int, int]] | None = None, base: int = 0) -> None:
        self.fd = fd
        self.index = index or {}
        self.base = base

    @classmethod
    def open(cls, name: str, version: str) -> Shelf:
        """The shelf saved under name for this zvm; an empty one when there
        is none that can be trusted."""
        path = path_for(name, version)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return cls()
        shelf = cls(fd)
        try:
            first = _read_at(fd, 0, 16)
            size = int.from_bytes(first[12:16], "big")
            if len(first) < 16 or first[:4] != SHELF_MAGIC or size > FILE_LIMIT:
                raise ValueError("not a shelf")
            head = _read_at(fd, 16, size)
            if len(head) != size or _checksum(head) != first[4:12]:
                raise ValueError("damaged")
            identity, index = marshal.loads(head)
            if identity != _identity(name, version) or not isinstance(index, list):
                raise ValueError("stale")
            for row in index:
                if isinstance(row, tuple) and len(row) == 4 and all(type(x) is int for x in row):
                    shelf.index[row[0]] = row[1:]
            shelf.base = 16 + size
            os.utime(path)                      # recently used: kept longest
        except (OSError, ValueError, EOFError, TypeError):
            shelf.close()
            return cls()
        return shelf

    def keys(self) -> list[int]:
        return list(self.index)

    def get(self, key: int) -> bytes | None:
        where = self.index.get(key)
        if where is None or self.fd is None:
            return None
        offset, length, crc = where
        try:
            data = _read_at(self.fd, self.base + offset, length)
        except (OSError, ValueError, OverflowError):
            return None
        return data if len(data) == length and zlib.crc32(data) == crc else None

    def items(self) -> dict[int, bytes]:
        """Every record that can still be read."""
        found = {k: self.get(k) for k in self.index}
        return {k: v for k, v in found.items() if v is not None}

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _read_at(fd: int, offset: int, length: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)               # (no pread: one thread reads)
    return os.read(fd, length)


def save_shelf(name: str, version: str, records: dict[int, bytes]) -> None:
    """Write the records as the shelf name, with those another process
    saved there meanwhile; failures are silent, as in ``save``."""
    old = Shelf.open(name, version)
    known = old.items()
    old.close()
    known.update(records)
    index, offset = [], 0
    for key, data in known.items():
        index.append((key, offset, len(data), zlib.crc32(data)))
        offset += len(data)
    head = marshal.dumps((_identity(name, version), index))
    if 16 + len(head) + offset > FILE_LIMIT:
        return
    data = b"".join([SHELF_MAGIC, _checksum(head), len(head).to_bytes(4, "big"), head,
                     *known.values()])
    try:
        os.makedirs(folder(), exist_ok=True)
        write_atomically(path_for(name, version), data, durable=False)
        _trim()
    except OSError:
        pass


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


def _trim() -> None:
    """Keep the folder under LIMIT bytes, dropping the least recently used."""
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
