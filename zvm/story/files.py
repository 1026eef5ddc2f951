"""Files a game makes: saves (§15 save), auxiliary files (§7.6),
transcripts and command records. All live in one folder, the save
folder: a name the player types or the game passes loses any folder part
and the characters §7.6.1.3 forbids, so nothing is written outside it.
A save the player names by a path to restore is read from there
(``player_read_file``): reading writes nothing.
Writes are atomic: a crash leaves the old file or the new one, whole.
"""

from __future__ import annotations

import os
import tempfile

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


def write_atomically(path: str, data: bytes) -> None:
    """Write data to path through a temporary file beside it, flushed to
    disk and then renamed over the target."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".zvm-", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)            # as an ordinary new file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
