"""zvm as a library: valid actions (issue 15, item 2)."""

from __future__ import annotations

import pytest

import zvm
from helpers import ROOT, shared_story, shared_transcript

OURS = ROOT / "tests" / "stories"


def start(path, seed=12) -> zvm.Game:
    game = zvm.Game(path, seed=seed)
    game.reset()
    return game


def test_zork1_start_valid_actions_from_the_grammar():
    game = start(shared_story("zork1.z3"))
    before_hash, before_text = game.world_hash(), game.snapshot()
    found = game.valid_actions()
    for action in ("open mailbox", "north", "south"):
        assert action in found, found
    for action in ("look", "inventory"):
        assert action not in found
    # the game is where it was
    assert game.world_hash() == before_hash and game.moves == 0
    other = zvm.Game(shared_story("zork1.z3"), seed=12)
    other.restore(before_text)
    assert game.step("open mailbox").text == other.step("open mailbox").text


def test_groups_hold_every_wording_of_one_outcome():
    game = start(shared_story("zork1.z3"))
    groups = game.valid_actions(["look", "north", "n", "open mailbox", "inventory", "zqxvj",
                                 "open small mailbox", "west", "w"], groups=True)
    as_sets = [set(g) for g in groups]
    assert {"north", "n"} in as_sets and {"west", "w"} in as_sets
    assert {"open mailbox", "open small mailbox"} in as_sets
    assert len(groups) == 3
    for group in groups:                        # the simplest wording first
        assert group[0] == min(group, key=lambda c: (len(c.split()), len(c), c))
    assert game.valid_actions(["eat lantern", "take lantern"]) == []   # not here
    assert game.valid_actions(["look", "inventory", "zqxvj"]) == []


@pytest.mark.parametrize("name", ["research.z5", "research.z8"])
def test_inform_story_valid_actions_among_candidates(name):
    game = start(OURS / name, seed=2)
    found = game.valid_actions(["open chest", "look", "north", "take lamp", "examine chest",
                                "wait", "inventory", "zqxvj"])
    assert sorted(found) == ["north", "open chest", "take lamp"]


@pytest.mark.slow
def test_zork1_valid_actions_after_moves_and_across_workers():
    game = start(shared_story("zork1.z3"))
    for command in ["north", "east", "open window", "enter", "west"]:
        game.step(command)
    one = game.valid_actions()
    assert "take lantern" in one, one
    assert "east" in one and "look" not in one
    two = game.valid_actions(workers=2)
    game.close()
    assert sorted(two) == sorted(one)


@pytest.mark.slow
def test_inform_story_valid_actions_from_its_grammar() -> None:
    """Without candidates on an Inform story: the moves by their own word
    ("n", not "go n"), the real actions, and no refusals (hugging or asking
    the cat) and no compass direction taken as a thing ("drop n")."""
    game = start(OURS / "research.z5", seed=2)
    groups = game.valid_actions(groups=True, workers=1)
    best = sorted(g[0] for g in groups)
    everything = {c for g in groups for c in g}
    assert "n" in best and "go n" not in best, best
    for action in ("take lamp", "open chest", "empty chest"):
        assert action in best, best
    assert any("put lamp in chest" in g for g in groups), groups
    for refusal in ("hug cat", "wake cat", "ask cat about coin", "drop n", "take n"):
        assert refusal not in everything, refusal
    assert len(best) == 5, best


def test_candidates_name_things_not_pronouns() -> None:
    """Zork I has an object called "it" (the latest thing): candidates with
    it only repeat the ones with that thing's own name, so none are made."""
    from zvm.research.actions import generate
    game = start(shared_story("zork1.z3"))
    for command in shared_transcript("zork1.cmd").read_text().splitlines()[:25]:
        game.step(command)
    candidates = generate(game, game.access.capture())
    assert "drop egg" in candidates and "light lantern" in candidates
    assert not [c for c in candidates if {"it", "them", "him", "her"} & set(c.split()[1:])]


def test_tried_commands_are_cut_off_and_the_alarm_handler_put_back(monkeypatch):
    """Each try runs under a time limit (a story that hangs costs one
    candidate); inside a batch the handler is installed once, and the
    caller's own SIGALRM handler is back afterwards, each time."""
    import signal
    import time

    from zvm.research.common import TryTimeout, alarm_handler, time_limit

    def spin() -> None:
        end = time.monotonic() + 5
        while time.monotonic() < end:
            pass
        raise AssertionError("not cut off")

    def mine(signum, frame) -> None:
        raise AssertionError("the caller's handler ran")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with pytest.raises(TryTimeout), time_limit(0.05):
            spin()
        assert signal.getsignal(signal.SIGALRM) is mine
        with alarm_handler():
            installs = []
            real = signal.signal
            monkeypatch.setattr(signal, "signal", lambda *a: installs.append(a) or real(*a))
            for _ in range(2):
                with pytest.raises(TryTimeout), time_limit(0.05):
                    spin()
            with time_limit(1):
                pass                                 # a try that ends in time
            monkeypatch.setattr(signal, "signal", real)
            assert installs == []                    # the batch's handler served every try
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_verb_table_that_would_run_past_memory_is_no_grammar(tmp_path):
    """The fuzzer's case: CZECH with its static memory's start moved (header
    byte $0f) to where the verb table's first word points past the end of
    memory. Reading the table raised IndexError out of zvm.Game; such a story
    now simply has no grammar the library can read."""
    from helpers import shared_story
    import zvm
    data = bytearray(shared_story("czech.z5").read_bytes())
    data[0x0F] = 0x49
    story = tmp_path / "czech.z5"
    story.write_bytes(bytes(data))
    game = zvm.Game(str(story))
    assert game.profile.grammar.kind == "none" and game.profile.grammar.patterns == []
