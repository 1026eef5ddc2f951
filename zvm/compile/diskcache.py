"""Compiled code kept between runs, in the user's cache folder.

Files in ``$XDG_CACHE_HOME/zvm`` (or ``~/.cache/zvm``): one per story
with its units (``zvm.compile.code``), and one of tier-0 shapes, which
every story shares (``zvm.compile.shapes``). Each is a marshal of records
(code objects and what goes with them) behind a header naming what it is
for (the kind of file, zvm's version, the Python that compiled it) and a
checksum of its contents. A file that is damaged, stale (another zvm,
another Python, another story) or unreadable is ignored, and rewritten at
the next save. Files are written atomically (a temporary file beside them,
renamed), and the folder is kept under ``LIMIT`` bytes by removing the
files used least recently.
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
