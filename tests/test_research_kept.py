"""What the library learns about a story is kept on disk
(``zvm.research.kept``): a later process reads it instead of learning it
again, and reads exactly what learning would have given."""

from __future__ import annotations

import glob
import os

import pytest

import zvm
from helpers import ROOT, shared_story
from zvm.compile import diskcache
from zvm.research import profile as profiles

STORIES = [ROOT / "tests" / "stories" / "research.z8", ROOT / "stories" / "hollinbrook.z5"]
WALK = ["look", "take all", "north", "south", "inventory"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own, and no profile in the process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(profiles, "_cache", {})
    return tmp_path


def forget(monkeypatch):
    """A new process, as far as profiles go: none learned in it."""
    monkeypatch.setattr(profiles, "_cache", {})


def learned(story, asked=("world_hash", "score", "max_score")):
    """What a fresh Game says along a short walk, asking for the parts."""
    game = zvm.Game(story, seed=3)
    out = [game.reset()]
    for command in [""] + WALK:
        if command:
            out.append(game.step(command).text)
        for name in asked:
            value = getattr(game, name)
            out.append(value() if callable(value) else value)
        if "world_hash" in asked:
            out += [game.player, game.location, game.moves]
    return out


def profile_files(cache):
    return glob.glob(str(cache / "zvm" / "*-profile-*.zvmc"))


def read_back(story, monkeypatch):
    """``learned`` in a new process that may only read what was kept."""
    forget(monkeypatch)
    no_learning(monkeypatch)
    return learned(story)


def no_learning(monkeypatch):
    """Trying a command to learn from fails the test from now on."""
    def refuse(self, command, state=None):
        raise AssertionError(f"learned again: tried {command!r}")
    monkeypatch.setattr(profiles.Profile, "run", refuse)


@pytest.mark.parametrize("story", STORIES + ["zork1.z3"], ids=lambda s: os.path.basename(s))
def test_a_later_process_reads_what_learning_gives(cache, monkeypatch, story):
    story = shared_story(story) if story == "zork1.z3" else story
    first = learned(story)
    assert profile_files(cache)
    assert read_back(story, monkeypatch) == first


def test_parts_learned_in_different_processes_add_up_to_the_same(cache, monkeypatch):
    # One process learns the status only (score); the next learns the noise
    # (world_hash) with the status read from disk; both read from disk
    # equal learning all at once.
    story = STORIES[0]
    whole = learned(story)
    for f in profile_files(cache):
        os.remove(f)
    forget(monkeypatch)
    learned(story, asked=("score",))
    forget(monkeypatch)
    learned(story, asked=("world_hash", "max_score"))
    assert read_back(story, monkeypatch) == whole


def test_a_damaged_profile_file_is_ignored_and_learned_again(cache, monkeypatch):
    story = STORIES[0]
    first = learned(story)
    (path,) = profile_files(cache)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    forget(monkeypatch)
    assert learned(story) == first
    assert read_back(story, monkeypatch) == first          # (written again whole)


def test_nothing_is_kept_without_the_disk_cache(cache, monkeypatch):
    monkeypatch.setattr(diskcache, "enabled", False)
    learned(STORIES[0])
    assert not profile_files(cache)


def test_a_part_learned_while_a_try_ran_out_of_time_is_not_kept(cache, monkeypatch):
    # (How long a try may run depends on the machine: what it gave is not
    # the same everywhere.)
    real_run = profiles.Profile.run

    def timed_out(self, command, state=None):
        probe = real_run(self, command, state)
        self.hangs = True
        return probe
    monkeypatch.setattr(profiles.Profile, "run", timed_out)
    learned(STORIES[0])
    assert not profile_files(cache)


def test_a_part_learned_past_the_budget_is_not_kept(cache, monkeypatch):
    # research.z8's status takes about 0.5 M Z-instructions to learn, its
    # noise 8 M more: with a budget of 3 M, the status is kept; the noise is
    # not, nor the maximum score, learned after it (``learned`` asks for the
    # world hash first).
    monkeypatch.setattr(profiles, "LEARN_LIMIT", 3_000_000)
    learned(STORIES[0])
    forget(monkeypatch)
    game = zvm.Game(STORIES[0], seed=3)
    game.reset()
    kept = set(game.profile.__dict__) & {"status", "noise", "max_score"}
    assert kept == {"status"}
