"""The one-file binary (PyInstaller): built here, copied to a folder of its
own, and run with an empty environment."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from helpers import shared_story, shared_transcript
from tmux import Pane

pytestmark = pytest.mark.slow

EMPTY_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    pytest.importorskip("PyInstaller")
    from zvm.tools.build_dist import build
    built = build(tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("build"))
    # Issue 12: with Pillow for pictures (PNG and JPEG only), under 25 MB.
    assert built.stat().st_size < 25_000_000, "over the 25 MB budget"
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "zvm"
    shutil.copy2(built, elsewhere)
    return elsewhere


def run(binary, args, input=""):
    return subprocess.run([str(binary), *map(str, args)], input=input, capture_output=True,
                          env=EMPTY_ENV, cwd=binary.parent, timeout=120)


def test_zork_transcript_is_byte_identical(binary):
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_bytes()
    result = run(binary, ["--headless", "--seed", 12, story], input=commands)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shared_transcript("zork1.seed12.out").read_bytes()


def test_a_non_story_is_refused_in_one_line(binary, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    result = run(binary, [junk])
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().count("\n") == 1
    assert result.stderr.startswith(b"zvm: ")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is absent")
@pytest.mark.parametrize("term", ["screen-256color", "linux"])
def test_bundled_story_plays_in_a_terminal(binary, term, tmp_path):
    errors = tmp_path / "stderr.txt"
    to_errors = f'exec "$0" "$@" 2>{shlex.quote(str(errors))}'
    pane = Pane("hollinbrook.z5", program=["env", "-i", "PATH=/usr/bin:/bin", f"TERM={term}",
                                           "sh", "-c", to_errors, str(binary)],
                term=term, cwd=binary.parent)
    try:
        screen = pane.wait_text("Hollin Brook Platform", timeout=20)
        top = screen.split("\n")[0]
        assert "Hollin Brook Platform" in top and "Score: 0" in top   # the status line
        pane.type("north")
        pane.keys("Enter")
        screen = pane.wait(lambda s: "Moves: 1" in s.split("\n")[0], "the status line after a move")
        assert "Station Caf" in screen
        pane.type("quit")
        pane.keys("Enter")
        pane.wait_text("?", timeout=10)
        pane.type("y")
        pane.keys("Enter")
        pane.wait_text("[Hit any key to exit.]", timeout=10)     # the last screen stays
        pane.keys("Space")
        pane.wait_text("ZVM-EXITED 0", timeout=10)
    finally:
        pane.kill()
    # Nothing on standard error: blessed knew the terminal's capabilities
    # (it lists jinxed's definitions with pkgutil, which PyInstaller's hook,
    # run when pkgutil is imported, teaches the modules inside the binary).
    assert errors.read_text() == ""


def test_the_archive_holds_only_what_start_up_needs(binary):
    """tools/build_dist.py's choices for start-up time: nothing compressed,
    no OpenSSL, no research library or test tools, no runtime hook but
    the lazy one for pkgutil."""
    from PyInstaller.archive.readers import CArchiveReader
    archive = CArchiveReader(str(binary))
    assert not [name for name, (*_, compressed, _) in archive.toc.items() if compressed]
    assert not [name for name in archive.toc if "libssl" in name or "libcrypto" in name]
    scripts = [name for name, (*_, typecode) in archive.toc.items() if typecode == "s"]
    assert scripts == ["pyiboot01_bootstrap", "pyi_rth_lazy_pkgutil", "launcher"]
    modules = archive.open_embedded_archive("PYZ.pyz").toc
    assert "zvm.cli.main" in modules and "PIL.PngImagePlugin" in modules
    assert not [m for m in modules if m.split(".")[0] in ("multiprocessing", "pytest", "_pytest",
                                                          "pkg_resources", "ssl")
                or m.startswith("zvm.research")]


# -- issue 12: version 6, pictures and all ------------------------------------------------

def test_the_demo_names_its_pictures_headless(binary):
    """The bundled demo (found by its name) finds its .blb beside it."""
    result = run(binary, ["--headless", "v6demo.z6"], input=b"east\nquit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "[picture 1: 320x160]" in out and "[picture 7: 320x160]" in out
    assert "You walk east." in out and result.stderr == b""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is absent")
def test_the_demo_draws_its_pictures_in_a_terminal(binary):
    """Pillow came along: the picture is decoded and drawn as half-blocks."""
    pane = Pane("v6demo.z6", program=["env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color",
                                      str(binary)], cwd=binary.parent)
    try:
        screen = pane.wait(lambda s: "You can go" in s and s.count("\u2580") > 400,
                           "the pictures", timeout=30)
        assert "The Meadow" in screen.split("\n")[0]
        pane.type("quit")
        pane.keys("Enter")
        pane.wait_text("[Hit any key to exit.]", timeout=10)
        pane.keys("Space")
        pane.wait_text("ZVM-EXITED 0", timeout=10)
    finally:
        pane.kill()
