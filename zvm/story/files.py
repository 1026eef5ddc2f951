"""Files a game makes: saves (§15 save), auxiliary files (§7.6),
transcripts and command records. All live in one folder, the save
folder: a name the player types or the game passes loses any folder part
and the characters §7.6.1.3 forbids, so nothing is written outside it.
A save the player names by a path to restore is read from there
(``player_read_file``): reading writes nothing. Writes are atomic: a
crash leaves the old file or the new one, whole, and perhaps a temporary
file named ``.zvm-PID-XXXXXXXX.tmp`` beside it, which
``clean_stale_temporaries`` removes at the next start once process PID is
gone. Files read on the player's word (saves, command files) are read
with a bound: ``/dev/zero`` or a huge file is refused, not swallowed.
"""

from __future__ import annotations

import errno
import os
import time

MAX_SAVE_BYTES = 16 << 20       # far beyond any save: 64K of memory, 16K frames
MAX_COMMAND_FILE_BYTES = 1 << 20
_TEMPORARY = r"\.zvm-(?:(\d+)-)?[a-z0-9_]{8}\.tmp"       # compiled when a name may match
# A temporary file of an older zvm (no PID in its name) is stale when no
# write could still be going on: saves take well under a second.
_LEGACY_STALE_SECONDS = 600

# §7.6.1.3: characters a file name must not hold (and control characters).
ILLEGAL = set('/\\<>:"|?*')


class FileNameError(ValueError):
    """A name that leaves nothing usable once cleaned."""


def _clean(name: str) -> str:
    return "".join(c for c in name if c not in ILLEGAL and c >= " " and c != "\x7f").strip()


def player_file(folder: str, name: str) -> str:
    """The path in folder for a name the player typed: its last path
    component, cleaned (§7.6.1.3)."""
    base = _clean(name.replace("\\", "/").rsplit("/", 1)[-1])
    if base in ("", ".", ".."):
        raise FileNameError(f"{name!r} is not a usable file name")
    return os.path.join(folder, base)


def player_read_file(folder: str, name: str, ext: str = "") -> str:
    """The path of a file the player names to read (a save to restore):
    a bare name is in folder, as ``player_file`` has it; a name with a
    folder part (``/tmp/x.qzl``, ``~/saves/x.qzl``, ``../x.qzl``) is read
    from where it names, since reading writes nothing. With ``ext``, a
    name without an extension whose file is missing gets ``ext``."""
    name = name.strip()
    if any(c < " " or c == "\x7f" for c in name):     # no file is named so (NUL: none can be)
        raise FileNameError(f"{name!r} is not a usable file name")
    if "/" in name or (os.sep != "/" and os.sep in name) or name.startswith("~"):
        path = os.path.expanduser(name)
    else:
        path = player_file(folder, name)
    if ext and not os.path.splitext(path)[1] and not os.path.exists(path):
        path += ext
    return path


def with_extension(name: str, ext: str) -> str:
    """``name`` with ``ext`` added when it has no extension (``/save NAME``)."""
    return name if os.path.splitext(name)[1] else name + ext


def auxiliary_file(folder: str, name: str) -> str:
    """§7.6.1: the file for a name a game passes to save/restore with a
    table: cleaned, cut at the first full stop, "NULL" if nothing is left,
    upper case, with ".AUX" appended."""
    base = _clean(name).split(".", 1)[0] or "NULL"
    return os.path.join(folder, base.upper() + ".AUX")


def write_atomically(path: str, data: bytes, durable: bool = True) -> None:
    """Write data to path through a temporary file beside it (a name no
    other process picks, of the pattern ``clean_stale_temporaries`` knows),
    flushed to disk when ``durable`` (saves; the code cache need not be),
    then renamed over the target."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".zvm-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)   # as a new file (umask)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:                 # someone else's process: it exists
        return True
    return True


def clean_stale_temporaries(folder: str) -> list[str]:
    """Remove the temporary files that writes of ours left in folder when
    their process was killed (``write_atomically``): names of our exact
    pattern, regular files we own, whose process has ended (or, named by an
    older zvm without a PID, untouched for ten minutes). Anything else is
    left alone. The names removed; errors are ignored (a read-only folder)."""
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        if not (name.startswith(".zvm-") and name.endswith(".tmp")):
            continue                # (re costs a start-up 10 ms to import)
        import re
        m = re.fullmatch(_TEMPORARY, name)
        if not m:
            continue
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
            if not os.path.isfile(path) or os.path.islink(path) or st.st_uid != os.geteuid():
                continue
            if m.group(1) is not None:
                if _running(int(m.group(1))):
                    continue
            elif now - st.st_mtime < _LEGACY_STALE_SECONDS:
                continue
            os.unlink(path)
            removed.append(name)
        except OSError:
            continue
    return removed


def read_bounded(path: str, limit: int = MAX_SAVE_BYTES) -> bytes:
    """The bytes of the file at path; OSError (EFBIG) when it holds more than
    limit bytes, read no further (so ``/dev/zero`` costs nothing)."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes: not a file zvm reads")
    return data


def read_command_file(path: str, limit: int = MAX_COMMAND_FILE_BYTES) -> list[str]:
    """The commands in a command file (one a line, UTF-8, undecodable
    bytes replaced), read with a bound like ``read_bounded``."""
    return read_bounded(path, limit).decode("utf-8", "replace").splitlines()
