"""Bad story files and bad command lines are refused cleanly.

A story zvm cannot play gives exactly one line on standard error,
``zvm: FILE: REASON`` (FILE as given on the command line), nothing on
standard output, no traceback, and exit status 2. Usage errors exit 2 too.
"""

from __future__ import annotations

import struct
import tomllib

import pytest

from helpers import ROOT, run_zvm, shared_story

# Run each bad file both ways: the checks must come before any frontend starts.
MODES = [pytest.param([], id="default"), pytest.param(["--headless"], id="headless")]

TIMEOUT = 60


def assert_refused(proc, given, *, mentions: str | None = None) -> str:
    """The run refused ``given`` in the required form; returns the reason."""
    where = f"exit {proc.returncode}\nstdout: {proc.stdout!r}\nstderr: {proc.stderr!r}"
    assert "Traceback" not in proc.stderr, where
    assert proc.stdout == "", where
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and proc.stderr.endswith("\n"), where
    prefix = f"zvm: {given}: "
    assert lines[0].startswith(prefix), where
    reason = lines[0][len(prefix):]
    assert reason.strip(), where
    if mentions is not None:
        assert mentions.lower() in reason.lower(), where
    assert proc.returncode == 2, where
    return reason


def header(version: int, *, length: int, size: int) -> bytearray:
    """A story image of ``size`` bytes (zeros) with a plausible header:
    abbreviations $40, objects $100, globals $300, dictionary and static
    memory $500, high memory $600, first instruction $601. ``length`` is the
    story length in bytes to declare at $1A (0 = not given)."""
    data = bytearray(size)
    data[0] = version
    scale = 2 if version <= 3 else 4 if version <= 5 else 8
    for offset, value in {
        0x04: 0x600,            # high memory base
        0x06: 0x601,            # initial PC (v6: packed routine address)
        0x08: 0x500,            # dictionary
        0x0A: 0x100,            # object table
        0x0C: 0x300,            # global variables
        0x0E: 0x500,            # static memory base
        0x18: 0x40,             # abbreviations table
        0x1A: length // scale,  # file length
    }.items():
        struct.pack_into(">H", data, offset, min(value, 0xFFFF))
    data[0x12:0x18] = b"250101"  # serial number
    return data


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return str(path)


# -- files that are not there or are not files ----------------------------

@pytest.mark.parametrize("mode", MODES)
def test_missing_file(mode):
    given = "no-such-dir/no-such-story.z3"   # relative: reported as given
    assert not (ROOT / given).exists()
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


@pytest.mark.parametrize("mode", MODES)
def test_directory(mode, tmp_path):
    given = str(tmp_path)
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


@pytest.mark.parametrize("mode", MODES)
def test_empty_file(mode, tmp_path):
    given = write(tmp_path, "empty.z5", b"")
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


# -- truncated stories ----------------------------------------------------

def _valid_story(source: str) -> bytes:
    if source == "zork1":
        return shared_story("zork1.z3").read_bytes()   # skips when absent
    return bytes(header(5, length=4096, size=4096))


def _declared_length(story: bytes) -> int:
    version = story[0]
    scale = 2 if version <= 3 else 4 if version <= 5 else 8
    return struct.unpack_from(">H", story, 0x1A)[0] * scale


@pytest.mark.parametrize("source", ["zork1", "crafted"])
@pytest.mark.parametrize("mode", MODES)
def test_truncated_header(mode, source, tmp_path):
    """Only the first 40 bytes of a valid 64-byte header."""
    story = _valid_story(source)
    given = write(tmp_path, "cut40.z3", story[:40])
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


@pytest.mark.parametrize("source", ["zork1", "crafted"])
@pytest.mark.parametrize("mode", MODES)
def test_truncated_to_half(mode, source, tmp_path):
    """A story cut to half the length its header declares."""
    story = _valid_story(source)
    declared = _declared_length(story)
    assert 64 < declared <= len(story)
    given = write(tmp_path, "half.z3", story[: declared // 2])
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


# -- stories too large for their version (§1.1.4) --------------------------

@pytest.mark.parametrize("mode", MODES)
def test_v3_over_128k(mode, tmp_path):
    """Versions 1-3 allow 128K; this v3 file is 200 KB."""
    given = write(tmp_path, "big.z3", header(3, length=0, size=200 * 1024))
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


@pytest.mark.parametrize("mode", MODES)
def test_v5_over_256k(mode, tmp_path):
    """Versions 4-5 allow 256K; this v5 file is 300 KB."""
    given = write(tmp_path, "big.z5", header(5, length=0, size=300 * 1024))
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


# -- versions zvm does not play -------------------------------------------

@pytest.mark.parametrize("version", [0, 9, 255])
@pytest.mark.parametrize("mode", MODES)
def test_unknown_version(mode, version, tmp_path):
    given = write(tmp_path, f"v{version}.z", header(version, length=2048, size=2048))
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


@pytest.mark.parametrize("mode", MODES)
def test_version_6_without_its_main_routine_refused(mode, tmp_path):
    given = write(tmp_path, "story.z6", header(6, length=2048, size=2048))
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given,
                   mentions="the main routine")


# -- other formats ---------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_glulx(mode, tmp_path):
    data = b"Glul" + bytes([0, 3, 1, 3]) + bytes(248)
    given = write(tmp_path, "story.ulx", data)
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given, mentions="glulx")


@pytest.mark.parametrize("mode", MODES)
def test_blorb_without_story(mode, tmp_path):
    """A Blorb file (an IFF FORM of type IFRS) holding no Z-code: refused
    now, and still refused once Blorb support lands."""
    ridx = b"RIdx" + struct.pack(">II", 4, 0)          # a resource index of 0 entries
    data = b"FORM" + struct.pack(">I", 4 + len(ridx)) + b"IFRS" + ridx
    given = write(tmp_path, "story.zblorb", data)
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given, mentions="blorb")


@pytest.mark.parametrize("mode", MODES)
def test_text_file(mode, tmp_path):
    data = "This is not a story file, only some text.\n" * 50
    given = write(tmp_path, "notes.txt", data.encode())
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given)


# -- the command line ------------------------------------------------------

def _project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_unknown_option():
    proc = run_zvm(["--no-such-option"], timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()


def test_bad_option_value():
    proc = run_zvm(["--seed", "many", "story.z3"], timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr


def test_version():
    proc = run_zvm(["--version"], timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert "zvm" in lines[0] and _project_version() in lines[0], lines[0]
    assert "Traceback" not in proc.stderr


def test_help():
    proc = run_zvm(["--help"], timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "--seed" in proc.stdout
    assert "Traceback" not in proc.stderr
