"""Saving and restoring to disk (§15 save/restore, Quetzal 1.4): a save
restores in a new run, files interchange with dfrotz, bad files are refused
and the game goes on."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import ROOT, run_zvm, shared_story
from zvm.tools.fuzz_saves import unchecked

DFROTZ = shutil.which("dfrotz") or ("/usr/games/dfrotz" if shutil.os.path.exists("/usr/games/dfrotz") else None)


def play(story, commands, folder, *options):
    result = run_zvm(["--headless", "--seed", 1, "--save-dir", folder, *options, story],
                     input="".join(c + "\n" for c in commands))
    assert result.returncode == 0, result.stderr
    return result


def test_save_then_restore_in_a_new_run(tmp_path):
    story = shared_story("zork1.z3")
    save = tmp_path / "game.qzl"
    play(story, ["open mailbox", "take leaflet", "north", "save", save.name], tmp_path)
    assert save.read_bytes()[:4] == b"FORM"
    after = play(story, ["restore", save.name, "inventory", "look"], tmp_path)
    text = after.stdout.split("Please enter a filename", 1)[1]
    assert "A leaflet" in text                 # the inventory came back
    assert "North of House" in text            # and so did the location


def test_a_bad_save_is_refused_and_the_game_goes_on(tmp_path):
    story = shared_story("zork1.z3")
    good = tmp_path / "good.qzl"
    play(story, ["take leaflet", "save", good.name], tmp_path)
    data = good.read_bytes()
    other = shared_story("czech.z3")
    foreign = tmp_path / "foreign.qzl"
    # A save whose IFhd names another story (CZECH's release and serial).
    foreign.write_bytes(data[:20] + other.read_bytes()[0x12:0x18] + data[26:])
    cases = {
        "empty": b"",
        "not IFZS": b"FORM\x00\x00\x00\x04AIFF",
        "text": b"hello, this is not a save\n",
        "truncated": data[: len(data) // 2],
        "corrupt CMem": data[:60] + b"\xff" * 400,
    }
    for name, content in cases.items():
        (tmp_path / f"{name}.qzl").write_bytes(content)
    for path in [*(tmp_path / f"{n}.qzl" for n in cases), foreign, tmp_path / "missing.qzl"]:
        result = play(story, ["restore", path.name, "look"], tmp_path)
        complaints = [l for l in result.stderr.splitlines() if l.startswith("zvm: cannot restore")]
        assert len(complaints) == 1, (path.name, result.stderr)
        assert "Traceback" not in result.stderr
        assert "West of House" in result.stdout.split("Please enter a filename", 1)[1], path.name
    assert good.read_bytes() == data           # nothing touched the good save


def test_a_failed_write_leaves_the_previous_save_whole(tmp_path, monkeypatch):
    import io
    import os
    from zvm.vm import ops
    from zvm.story.loader import load
    from zvm.vm.machine import Machine
    from zvm.ui.headless import HeadlessFrontend

    story = shared_story("zork1.z3")
    save = tmp_path / "game.qzl"
    play(story, ["take leaflet", "save", save.name], tmp_path)
    before = save.read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    frontend = HeadlessFrontend(stdin=io.StringIO(f"north\nsave\n{save.name}\n"),
                                stdout=io.StringIO())
    messages = []
    frontend.message = messages.append
    Machine(load(str(story)), frontend, seed=1, save_dir=str(tmp_path), overwrite=True).run()
    assert save.read_bytes() == before
    assert any("cannot save" in m for m in messages)
    assert [p.name for p in tmp_path.iterdir()] == ["game.qzl"]   # no temporary left


@pytest.mark.skipif(DFROTZ is None, reason="dfrotz is not installed")
@pytest.mark.parametrize("saver", ["zvm", "dfrotz"])
def test_saves_interchange_with_dfrotz(tmp_path, saver):
    story = shared_story("zork1.z3")
    save = tmp_path / "game.qzl"
    first = "open mailbox\ntake leaflet\nsave\n" + f"{save}\n"
    then = f"restore\n{save}\ninventory\n"
    # dfrotz takes the typed path as it is; zvm keeps files in --save-dir.
    dfrotz = [DFROTZ, "-m", "-q", "-s", "1", str(story)]
    zvm_cmd = ["--headless", "--seed", 1, "--save-dir", tmp_path, story]
    if saver == "zvm":
        assert run_zvm(zvm_cmd, input=first).returncode == 0
        out = subprocess.run(dfrotz, input=then, capture_output=True, text=True, timeout=60).stdout
    else:
        subprocess.run(dfrotz, input=first, capture_output=True, text=True, timeout=60)
        out = run_zvm(zvm_cmd, input=then).stdout
    assert save.exists()
    assert "A leaflet" in out.split("enter a filename", 1)[1]


V6_SAVE = """
Array ustack --> 3 0 0 0;
[ Main r x k;
  @push_stack 42 ustack ?Pushed; .Pushed;
  @read_char 1 -> k;
  if (k == 's') {
    x = 7; @push 99;
    @save -> r;
    if (r == 2) {
      @pull ustack -> r; @pull k;
      print "restored: ", r, " ", x, " ", k, "^"; @quit;
    }
    print "saved: ", r, "^"; @quit;
  }
  @restore -> r;
  print "restore failed ", r, "^";
];
"""


@pytest.mark.skipif(DFROTZ is None or shutil.which("inform6") is None,
                    reason="dfrotz or inform6 is not installed")
@pytest.mark.parametrize("saver", ["zvm", "dfrotz"])
def test_version_6_saves_interchange_with_dfrotz(tmp_path, saver):
    """A version 6 save (§15 save; Quetzal) holds the locals, the stack and
    the user stacks in memory; the other interpreter restores it."""
    (tmp_path / "sv.inf").write_text(V6_SAVE)
    made = subprocess.run(["inform6", "-v6", "sv.inf", "sv.z6"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout
    story, save = tmp_path / "sv.z6", tmp_path / "game.qzl"
    dfrotz = [DFROTZ, "-m", "-q", str(story)]
    zvm_cmd = ["--headless", "--save-dir", tmp_path, story]
    first, then = f"s\n{save}\n", f"r\n{save}\n"
    if saver == "zvm":
        assert "saved: 1" in run_zvm(zvm_cmd, input=first).stdout
        out = subprocess.run(dfrotz, input=then, capture_output=True, text=True,
                             timeout=60).stdout
    else:
        assert "saved: 1" in subprocess.run(dfrotz, input=first, capture_output=True,
                                            text=True, timeout=60).stdout
        out = run_zvm(zvm_cmd, input=then).stdout
    assert "restored: 42 7 99" in out


def responses(text: str) -> list[str]:
    """The game's reply to each command, blank lines folded (the screen
    history dfrotz-style output reflects differs after a restore)."""
    return [" ".join(part.split()) for part in text.split("\n>")]


def test_a_restored_seeded_game_plays_on_as_the_uninterrupted_one(tmp_path):
    """Save in the middle of Zork I, restore in a new run, play on: the
    replies equal the uninterrupted run's, random events included (a seeded
    game keeps its generator in the save)."""
    from helpers import shared_transcript
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_text().splitlines()
    k = 150
    save = tmp_path / "middle.qzl"
    full = run_zvm(["--headless", "--seed", 12, story], input="\n".join(commands) + "\n")
    first = run_zvm(["--headless", "--seed", 12, "--save-dir", tmp_path, story],
                    input="\n".join(commands[:k] + ["save", save.name]) + "\n")
    assert first.returncode == 0 and save.exists()
    second = run_zvm(["--headless", "--seed", 12, "--save-dir", tmp_path, story],
                     input="\n".join(["restore", save.name] + commands[k:]) + "\n")
    assert second.returncode == 0, second.stderr
    tail = len(commands) - k
    assert responses(second.stdout)[-tail:] == responses(full.stdout)[-tail:]
    assert "Your score is 350" in second.stdout


def test_restore_option_starts_from_a_save(tmp_path):
    story = shared_story("zork1.z3")
    save = tmp_path / "game.qzl"
    play(story, ["open mailbox", "take leaflet", "north", "save", save.name], tmp_path)
    result = run_zvm(["--headless", "--restore", save, story], input="inventory\n")
    assert result.returncode == 0, result.stderr
    assert "A leaflet" in result.stdout
    assert "ZORK I" not in result.stdout          # no fresh start's banner
    bad = tmp_path / "bad.qzl"
    bad.write_bytes(b"FORM junk")
    refused = run_zvm(["--headless", "--restore", bad, story], input="inventory\n")
    assert refused.returncode == 2
    assert refused.stderr.startswith("zvm: cannot restore") and refused.stderr.count("\n") == 1


def test_autosave_continues_where_the_last_run_stopped(tmp_path):
    story = shared_story("zork1.z3")
    auto = tmp_path / "zork1.autosave.qzl"
    play(story, ["open mailbox", "take leaflet"], tmp_path, "--autosave")
    assert auto.exists()
    again = play(story, ["inventory"], tmp_path, "--autosave")
    assert "A leaflet" in again.stdout
    assert "ZORK I" not in again.stdout          # continued, not started afresh
    play(story, ["quit", "y"], tmp_path, "--autosave")
    assert not auto.exists()                     # the game ended: next start is new
    fresh = play(story, ["inventory"], tmp_path, "--autosave")
    assert "ZORK I" in fresh.stdout and "A leaflet" not in fresh.stdout


def test_praxix_undo_groups_pass():
    story = shared_story("praxix.z5")
    result = run_zvm(["--headless", story], input="undo\nmultiundo\n")
    assert result.returncode == 0
    assert result.stdout.count("Passed.") == 2 and "FAIL" not in result.stdout


@pytest.mark.parametrize("where, reason", [
    (-1, "its PC lies at the very end of the story"),       # long branch data cut off
    (None, "it returns from the main routine"),              # branch ?rtrue, no caller
])
def test_a_v3_save_whose_branch_leaves_the_story_is_refused(tmp_path, where, reason):
    """Versions 1-3 resume by taking the save's branch (§15 save): a save
    whose branch cannot be taken is refused before it replaces the game."""
    from zvm.story import quetzal
    from zvm.story.state import SavedState, StackFrame
    data = bytearray(open(shared_story("zork1.z3"), "rb").read())
    dyn = (data[0xE] << 8) | data[0xF]
    if where is None:
        where = 0x40                            # in dynamic memory: the save's own byte
        data[where] = 0xC1                      # on true, short form, offset 1: rtrue
    state = SavedState(release=(data[2] << 8) | data[3], serial=bytes(data[0x12:0x18]),
                       checksum=(data[0x1C] << 8) | data[0x1D], pc=where % len(data),
                       memory=bytes(data[:dyn]), frames=[StackFrame(0, [], [], None, 0)],
                       extra={})
    original = open(shared_story("zork1.z3"), "rb").read()[:dyn]
    (tmp_path / "bad.qzl").write_bytes(quetzal.encode(state, original))
    result = run_zvm(["--headless", "--save-dir", tmp_path, shared_story("zork1.z3")],
                     input="/restore bad.qzl\nlook\n")
    assert result.returncode == 0, result.stderr
    assert f"cannot restore {tmp_path / 'bad.qzl'}: {reason}" in result.stdout + result.stderr
    assert result.stdout.count("West of House") >= 2         # play went on


def test_a_save_storing_into_a_local_its_routine_lacks_is_refused(tmp_path):
    """Versions 4+ resume by storing 2 into the save's store variable (§15
    save): a local the saved routine does not have is refused before the
    save replaces the game."""
    from zvm.story import quetzal
    from zvm.story.state import SavedState, StackFrame
    story = ROOT / "stories" / "hollinbrook.z5"
    original = story.read_bytes()
    dyn = (original[0xE] << 8) | original[0xF]
    memory = bytearray(original[:dyn])
    memory[0x40] = 3                            # the store byte: local 3
    state = SavedState(release=(original[2] << 8) | original[3],
                       serial=original[0x12:0x18], checksum=(original[0x1C] << 8) | original[0x1D],
                       pc=0x40, memory=bytes(memory), frames=[StackFrame(0, [], [], None, 0)])
    (tmp_path / "bad.qzl").write_bytes(quetzal.encode(state, original[:dyn]))
    result = run_zvm(["--headless", "--save-dir", tmp_path, story],
                     input="/restore bad.qzl\nlook\n")
    assert result.returncode == 0, result.stderr
    assert "it stores into local variable 3, which its routine does not have" in \
        result.stdout + result.stderr
    assert result.stdout.count("Hollin Brook Platform") >= 2     # play went on


def _frames_at(save: bytes) -> list[int]:
    """Where each frame of the save's Stks chunk begins (Quetzal §4.3)."""
    pos = 12
    while save[pos:pos + 4] != b"Stks":
        pos += 8 + int.from_bytes(save[pos + 4:pos + 8], "big")
        pos += pos & 1
    at, end, starts = pos + 8, pos + 8 + int.from_bytes(save[pos + 4:pos + 8], "big"), []
    while at < end:
        starts.append(at)
        at += 8 + 2 * ((save[at + 3] & 15) + int.from_bytes(save[at + 6:at + 8], "big"))
    return starts


@pytest.mark.parametrize("damage, reason", [
    ("arguments", "was given arguments out of order (flags $ce)"),
    ("store", "stores its result in variable 12, where the call it returns to stores in 11"),
])
def test_a_save_whose_frames_no_call_could_make_is_refused(tmp_path, damage, reason):
    """The fuzzer's case: research.z8's own save with one byte of a frame
    changed. Arguments are given first to last, so their flags are a run of
    low bits (a gap is no call's); a routine that stores its result stores
    where its call's store byte says. zvm restored both and the story ran
    on from a state no call makes (printing without end, in the fuzzer's
    case); dfrotz refuses both, and so does zvm now, in one line."""
    story = ROOT / "tests" / "stories" / "research.z8"
    play(story, ["look", "save", "game.qzl"], tmp_path)
    # (damaged as a save without zvm's checksum, as dfrotz writes it: zvm's
    # own would be refused for its checksum first)
    save = bytearray(unchecked((tmp_path / "game.qzl").read_bytes()))
    frames = _frames_at(bytes(save))
    if damage == "arguments":
        at = next(f for f in frames if save[f + 5] == 0x3F)         # six arguments
        save[at + 5] = 0xCE
    else:
        at = next(f for f in frames if not save[f + 3] & 0x10 and save[f + 4] == 11)
        save[at + 4] = 12
    (tmp_path / "bad.qzl").write_bytes(bytes(save))
    result = play(story, ["restore", "bad.qzl", "look"], tmp_path)
    assert f"cannot restore {tmp_path / 'bad.qzl'}: frame {frames.index(at)} {reason}" in \
        result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert result.stdout.count("A bare stone hall.") >= 2              # play went on


def test_a_save_changed_after_zvm_wrote_it_is_refused(tmp_path):
    """The fuzzer's case: Zork II's save with a run length in its memory
    changed is a valid Quetzal file, and the game restored from it loops
    without output (under dfrotz too). zvm's checksum chunk finds the
    change: the restore fails in one line and the game goes on. The same
    damage to a save without the chunk (another interpreter's) is
    restored, as Quetzal allows."""
    story = shared_story("zork2.z3")
    play(story, ["look", "save", "game.qzl"], tmp_path)
    save = (tmp_path / "game.qzl").read_bytes()
    i = save.index(b"CMem") + 8 + 115                 # a zero run's length
    assert save[i - 1] == 0
    for name, data in (("mine.qzl", save), ("theirs.qzl", unchecked(save))):
        damaged = bytearray(data)
        damaged[i] = 0xF3
        (tmp_path / name).write_bytes(bytes(damaged))
    result = run_zvm(["--headless", "--seed", 1, "--save-dir", tmp_path, story],
                     input="restore\nmine.qzl\nlook\n", timeout=60)
    assert (f"cannot restore {tmp_path / 'mine.qzl'}: the file was damaged after zvm "
            "saved it (its checksum does not match)") in result.stderr
    assert "Inside the Barrow" in result.stdout.split("Failed.")[-1]
    result = run_zvm(["--headless", "--seed", 1, "--save-dir", tmp_path, story],
                     input="restore\ntheirs.qzl\n", timeout=60)
    assert "Ok." in result.stdout and "cannot restore" not in result.stderr
