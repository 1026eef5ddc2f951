"""Meta-commands typed at the prompt and handled before the game sees them
(/undo, /save, /restore, /restart, /script, /record, /replay, /seed, /help),
record and replay, and --no-meta."""

from __future__ import annotations

from pathlib import Path

from helpers import run_zvm, shared_story


def play(args, commands):
    result = run_zvm(["--headless", *args], input="".join(c + "\n" for c in commands))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_undo_takes_back_a_turn_in_a_story_without_undo():
    story = shared_story("zork1.z3")
    out = play([story], ["open mailbox", "/undo", "look"])
    after = out.split("[Previous turn undone.]", 1)[1]
    assert "There is a small mailbox here." in after
    assert "contains" not in after               # the mailbox is closed again


def test_undo_with_nothing_to_undo():
    story = shared_story("zork1.z3")
    assert "[Nothing to undo.]" in play([story], ["/undo"])


def test_meta_save_and_restore_across_runs(tmp_path):
    story = shared_story("zork1.z3")
    out = play(["--save-dir", tmp_path, story], ["open mailbox", "take leaflet", "/save turn.qzl"])
    assert "[Saved to" in out and (tmp_path / "turn.qzl").exists()
    out = play(["--save-dir", tmp_path, story], ["/restore turn.qzl", "inventory"])
    assert "A leaflet" in out.split("[Restored", 1)[1]


def test_restart_meta_command_starts_again():
    story = shared_story("zork1.z3")
    out = play([story], ["north", "/restart", "look"])
    assert out.count("ZORK I: The Great Underground Empire") == 2


def test_script_writes_the_transcript(tmp_path):
    story = shared_story("zork1.z3")
    play(["--save-dir", tmp_path, story], ["/script on", "open mailbox", "/script off", "north"])
    text = (tmp_path / "zork1.txt").read_text()
    assert "open mailbox" in text and "reveals a leaflet" in text
    assert "North of House" not in text           # after /script off


def test_record_then_replay_gives_the_same_transcript(tmp_path):
    story = shared_story("zork1.z3")
    record = tmp_path / "commands.rec"
    commands = ["open mailbox", "take leaflet", "read leaflet", "north", "east"]
    first = play(["--seed", 3, "--echo", "--record", record, story], commands)
    assert record.read_text().splitlines() == commands
    second = play(["--seed", 3, "--replay", record, story], [])
    assert second == first


def test_seed_help_and_unknown():
    story = shared_story("zork1.z3")
    out = play([story], ["/seed 7", "/help", "/frobnicate"])
    assert "[Random numbers seeded with 7.]" in out
    assert "/undo" in out and "/replay FILE" in out
    assert "[No meta-command /frobnicate" in out


def test_no_meta_passes_slash_lines_to_the_game():
    story = shared_story("zork1.z3")
    out = play(["--no-meta", story], ["/undo"])
    assert "[Previous turn undone.]" not in out and "[Nothing to undo.]" not in out


def test_a_replayed_replay_is_refused(tmp_path):
    """A file that replays itself plays its lines once (issue 16 item 6)."""
    story = shared_story("zork1.z3")
    loop = tmp_path / "loop.rec"
    loop.write_text(f"open mailbox\n/replay {loop}\nlook\n")
    out = play(["--save-dir", tmp_path, story], [f"/replay {loop}", "inventory"])
    assert out.count("Opening the small mailbox reveals a leaflet.") == 1
    assert out.count("[Not replayed: a replay cannot start another.]") == 1
    assert "You are empty-handed." in out.split("[Not replayed", 1)[1]


def test_reads_inside_interrupt_routines_take_no_turn_snapshot():
    """/undo goes back to line reads the story made itself, never to one
    inside an interrupt routine the interpreter called (§10.2), at any
    depth: nested_reads.z5 reads at the top, in its timed read's routine,
    in that routine's own timed read's routine, then at the top again."""
    import io

    from zvm.story.loader import load
    from zvm.ui.headless import HeadlessFrontend
    from zvm.vm.machine import Machine
    story = Path(__file__).parent / "stories" / "nested_reads.z5"
    out = io.StringIO()
    m = Machine(load(str(story)), HeadlessFrontend(io.StringIO("{timer}\n{timer}\nc\na\n"), out,
                                                   virtual_clock=True))
    depths = []
    remember = m.meta.remember_turn
    m.meta.remember_turn = lambda pc: (depths.append(len(m.interrupt_depths)), remember(pc))
    m.run()
    assert 'Inner read "c".' in out.getvalue()
    assert depths == [0, 1, 2, 0]                   # four reads, two of them in routines
    top = [len(t.contexts) for t in m.meta.turns]
    assert top == [top[0], top[0]] and top[0] <= 3  # the two at the top only
