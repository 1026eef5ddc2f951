"""zvm as a library: score, moves, maximum score, endings, player,
location, snapshots and width (issue 15, items 3-5)."""

from __future__ import annotations

import re

import pytest

import zvm
from helpers import ROOT, shared_story, shared_transcript

OURS = ROOT / "tests" / "stories"
SCORE_REPLY = re.compile(r"Your score (?:is|would be) (-?\d+) \(total of (\d+) points\), in (\d+) moves?")


@pytest.mark.parametrize("story,walkthrough,seed,replies", [
    ("zork1.z3", "zork1.cmd", 12, 3), ("zork2.z3", "zork2.cmd", 0, 3),
    ("zork3.z3", "zork3.cmd", 0, 0)])            # Zork III's score is its "potential"
def test_zork_score_moves_location_player_along_the_walkthrough(story, walkthrough, seed,
                                                                replies):
    game = zvm.Game(shared_story(story), seed=seed)
    game.reset()
    commands = shared_transcript(walkthrough).read_text().splitlines()
    arrivals = scores = 0
    unnamed = []
    for n, command in enumerate(commands):
        where = game.location
        result = game.step(command)
        if result.done:
            break
        # On arrival the story prints the room's name first (unless dark).
        # (Zork III's mirror room turns and shakes without naming itself.)
        if game.location != where and "pitch black" not in result.text \
                and "too dark" not in result.text:
            arrivals += 1
            if game.object(game.location).name not in result.text:
                unnamed.append((n, command))
        # The v3 status line names the location, which holds the player.
        assert game.frontend.status[0] == game.object(game.location).name
        chain, o = [], game.player
        while o:
            o = game.object(o).parent
            chain.append(o)
        assert game.location in chain
        if n % 40 == 10:
            state = game.snapshot()
            reply = game.step("score").text
            m = SCORE_REPLY.search(reply)
            if m:                               # the story's own words
                assert (int(m.group(1)), int(m.group(3))) == (result.score, result.moves)
                assert game.max_score == int(m.group(2))
                scores += 1
            held = [o.name.lower() for o in game.inventory()]
            listing = game.step("inventory").text.lower() if held else ""
            for name in held:
                assert name.split()[-1] in listing, (name, listing)
            game.restore(state)
    assert arrivals >= 15 and len(unnamed) <= max(2, arrivals // 20), unnamed
    assert scores >= replies


def test_zork1_ends_won_with_the_maximum_score():
    game = zvm.Game(shared_story("zork1.z3"), seed=12)
    game.reset()
    for command in shared_transcript("zork1.cmd").read_text().splitlines():
        result = game.step(command)
    assert result.done and result.won and not result.lost
    assert (result.score, game.max_score) == (350, 350)


@pytest.mark.parametrize("name", ["research.z5", "research.z8"])
def test_our_inform_story_status_win_and_loss(name):
    game = zvm.Game(OURS / name, seed=5)
    game.reset()
    assert (game.score, game.moves, game.max_score) == (0, 0, 3)
    player = game.object(game.player)
    assert player.parent == game.location and game.object(game.location).name == "Stone Hall"
    state = game.snapshot()
    for command, score, moves, room in [("open chest", 0, 1, "Stone Hall"),
                                        ("take coin", 1, 2, "Stone Hall"),
                                        ("north", 1, 3, "Garden")]:
        result = game.step(command)
        assert (result.score, result.moves) == (score, moves)
        assert game.object(game.location).name == room
        status = " ".join(game.status)              # the story's own status line
        assert f"Score: {score}" in status and f"Moves: {moves}" in status
        assert room in status
    assert [o.name for o in game.inventory()] == ["gold coin"]
    result = game.step("put coin on statue")
    assert result.done and result.won and not result.lost and result.score == 3
    game.restore(state)
    game.step("north")
    result = game.step("jump")
    assert result.done and result.lost and not result.won


def test_hollinbrook_status_and_max_score():
    game = zvm.Game(ROOT / "stories" / "hollinbrook.z5", seed=1)
    game.reset()
    assert game.max_score == 5
    for command in (ROOT / "stories" / "hollinbrook.walkthrough").read_text().splitlines()[:6]:
        result = game.step(command)
        status = " ".join(game.status)
        assert f"Score: {result.score}" in status and f"Moves: {result.moves}" in status
        assert game.object(game.location).name in status
        assert game.object(game.player).parent == game.location


def test_snapshot_holds_the_screen_done_flag_and_width():
    game = zvm.Game(OURS / "research.z5", seed=5, width=60)
    game.reset()
    assert game.access.mem[0x21] == 60                 # §11.1: the width told to the story
    assert all(len(row) == 60 for row in game.status)
    for command in ["open chest", "take coin"]:
        game.step(command)
    state = game.snapshot()
    fresh = zvm.Game(OURS / "research.z5")              # another width, restored
    fresh.restore(state)
    assert fresh.status == game.status and fresh.width == 60
    assert (fresh.score, fresh.moves) == (1, 2)
    twin = game.copy()
    assert twin.status == game.status and (twin.score, twin.moves) == (1, 2)
    game.step("north")
    game.step("put coin on statue")
    assert game.done and game.won
    ended = game.snapshot()
    again = zvm.Game(OURS / "research.z5")
    again.restore(ended)
    assert again.done and again.won and again.step("look").done


def test_errors_name_the_path_and_are_one_family(tmp_path):
    missing = tmp_path / "nothing.z5"
    for isolated in (False, True):
        with pytest.raises(zvm.GameError, match="nothing.z5"):
            zvm.Game(missing, isolated=isolated)
    assert issubclass(zvm.GameTimeout, zvm.GameError)
    assert issubclass(zvm.GameProcessError, zvm.GameError)
    game = zvm.Game(OURS / "research.z5")
    with pytest.raises(zvm.GameError):
        game.restore(b"not a snapshot")


def test_isolated_game_copy_and_properties():
    game = zvm.Game(OURS / "research.z5", seed=5, isolated=True, timeout=30)
    try:
        game.reset()
        game.step("open chest")
        twin = game.copy()
        try:
            assert twin.step("take coin").score == 1
            assert game.score == 0 and game.max_score == 3
        finally:
            twin.close()
    finally:
        game.close()
