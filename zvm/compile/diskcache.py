"""Compiled units kept between runs, in the user's cache folder.

One file per story and zvm version in ``$XDG_CACHE_HOME/zvm`` (or
``~/.cache/zvm``): a marshal of the units' code objects, their sources
and line tables, behind a header naming what it is for and a digest of
its contents. A file that is damaged, stale (another zvm, another Python,
another story) or unreadable is ignored, and rewritten at the next save.
Files are written atomically (a temporary file beside them, renamed),
and the folder is kept under ``LIMIT`` bytes by removing the files used
least recently.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import tempfile
from typing import Any

FORMAT = 2
MAGIC = b"ZVMC"
LIMIT = 64 << 20              # bytes the whole folder may hold
FILE_LIMIT = 16 << 20         # bytes one story's file may hold


def folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zvm")


def _identity(story_digest: str, version: str) -> bytes:
    return "\0".join((str(FORMAT), version, story_digest,
                      importlib.util.MAGIC_NUMBER.hex())).encode()


def path_for(story_digest: str, version: str) -> str:
    tag = hashlib.blake2b(_identity(story_digest, version), digest_size=8).hexdigest()
    return os.path.join(folder(), f"{story_digest[:16]}-{tag}.zvmc")


def load(story_digest: str, version: str) -> list[tuple[Any, ...]]:
    """The unit records saved for this story and zvm, or [] when there
    are none that can be trusted."""
    path = path_for(story_digest, version)
    try:
        with open(path, "rb") as f:
            data = f.read(FILE_LIMIT + 1)
    except OSError:
        return []
    if len(data) > FILE_LIMIT or not data.startswith(MAGIC) or len(data) < 4 + 32:
        return []
    digest, payload = data[4:36], data[36:]
    if hashlib.sha256(payload).digest() != digest:
        return []
    try:
        content = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return []
    if not isinstance(content, tuple) or len(content) != 2 \
            or content[0] != _identity(story_digest, version) \
            or not isinstance(content[1], list):
        return []
    records = []
    for record in content[1]:
        if _valid(record):
            records.append(record)
    try:
        os.utime(path)                      # recently used: kept longest
    except OSError:
        pass
    return records


def _valid(record: Any) -> bool:
    """(entry, code, source, lines, instructions) with the right types."""
    return (isinstance(record, tuple) and len(record) == 5
            and isinstance(record[0], int) and type(record[1]).__name__ == "code"
            and isinstance(record[2], str) and isinstance(record[3], list)
            and all(isinstance(x, list) and len(x) == 4 for x in record[3])
            and isinstance(record[4], list))


def save(story_digest: str, version: str, records: list[tuple[Any, ...]]) -> None:
    """Write the records (with whatever another process saved meanwhile);
    failures are silent: the cache only ever saves time."""
    path = path_for(story_digest, version)
    known = {r[0]: r for r in load(story_digest, version)}
    for r in records:
        known[r[0]] = r
    payload = marshal.dumps((_identity(story_digest, version), list(known.values())))
    if len(payload) > FILE_LIMIT:
        return
    data = MAGIC + hashlib.sha256(payload).digest() + payload
    try:
        os.makedirs(folder(), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".zvmc-", suffix=".tmp", dir=folder())
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _trim()
    except OSError:
        pass


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
