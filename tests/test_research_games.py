"""zvm as a library: many games at once (zvm.Games, local and Ray) and the
Gymnasium environment (issue 15, item 6)."""

from __future__ import annotations

import os
import time

import pytest

import zvm
from helpers import ROOT, shared_story, shared_transcript

OURS = ROOT / "tests" / "stories"


def reference_texts(story, seeds, commands) -> list[list[str]]:
    """The texts of plain games in this process, game by game."""
    out = []
    for seed in seeds:
        game = zvm.Game(story, seed=seed)
        texts = [game.reset()] + [game.step(c).text for c in commands]
        out.append(texts)
    return out


def test_games_step_in_order_like_single_games():
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_text().splitlines()[:25]
    with zvm.Games([story] * 4, seed=12, workers=2) as games:
        assert len(games) == 4
        texts = [[t] for t in games.reset()]
        for command in commands:
            for i, result in enumerate(games.step([command] * 4)):
                assert result.error is None and result.moves is not None
                texts[i].append(result.text)
    assert texts == reference_texts(story, [12, 13, 14, 15], commands)


def test_a_hung_story_costs_its_worker_only():
    zork = shared_story("zork1.z3")
    stories = [zork, OURS / "loop.z5", zork, zork]
    with zvm.Games(stories, seed=[1, 1, 2, 3], workers=2, timeout=3) as games:
        games.reset()
        start = time.monotonic()
        results = games.step(["north", "go", "north", "north"])
        assert time.monotonic() - start < 30
        assert results[1].done and "in time" in results[1].error
        for i in (0, 2, 3):
            assert results[i].error is None and results[i].moves == 1
        # game 2 shared the hung worker: it was brought back by replaying
        results = games.step(["east", "", "east", "east"])
        assert results[1].done and results[1].error
        assert [results[i].moves for i in (0, 2, 3)] == [2, 2, 2]
        assert games.reset()[1].startswith("ready")         # a fresh start for all


def test_a_dead_worker_is_replaced_and_its_games_replayed():
    story = shared_story("zork1.z3")
    commands = ["north", "east", "open window", "enter"]
    with zvm.Games([story] * 2, seed=12, workers=2) as games:
        texts = [[t] for t in games.reset()]
        for command in commands[:2]:
            for i, r in enumerate(games.step([command] * 2)):
                texts[i].append(r.text)
        os.kill(games.backend.workers[0].process.pid, 9)       # the worker dies
        for command in commands[2:]:
            for i, r in enumerate(games.step([command] * 2)):
                assert r.error is None
                texts[i].append(r.text)
    assert texts == reference_texts(story, [12, 13], commands)


def test_games_name_a_missing_story(tmp_path):
    with pytest.raises(zvm.GameError, match="absent.z3"):
        zvm.Games([tmp_path / "absent.z3"])


def test_closed_games_say_so():
    """Games used after close() raise GameError naming that, not an
    AttributeError from inside."""
    games = zvm.Games([str(OURS / "research.z5")], seed=1, workers=1)
    games.reset()
    games.close()
    for use in (games.reset, lambda: games.step(["look"])):
        with pytest.raises(zvm.GameError, match="closed"):
            use()


def test_gymnasium_environment_passes_the_checker():
    gymnasium = pytest.importorskip("gymnasium")
    from gymnasium.utils.env_checker import check_env
    import zvm.research.gym_env                              # registers zvm/Story-v0
    env = gymnasium.make("zvm/Story-v0", story=str(OURS / "research.z5"))
    check_env(env.unwrapped)
    observation, info = env.reset(seed=4)
    assert "RESEARCH" in observation and info["max_score"] == 3
    assert env.step("open chest")[1] == 0.0
    observation, reward, terminated, truncated, info = env.step("take coin")
    assert reward == 1.0 and not terminated
    env.step("north")
    observation, reward, terminated, truncated, info = env.step("put coin on statue")
    assert reward == 2.0 and terminated and info["won"]
    env.close()


@pytest.mark.slow
def test_ray_backend_gives_the_local_texts():
    ray = pytest.importorskip("ray")
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_text().splitlines()[:30]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        texts = {}
        for backend in ("ray", "local"):
            with zvm.Games([story] * 4, seed=7, workers=2, backend=backend) as games:
                got = [games.reset()]
                for command in commands:
                    got.append([r.text for r in games.step([command] * 4)])
                texts[backend] = got
        assert texts["ray"] == texts["local"]
    finally:
        ray.shutdown()
