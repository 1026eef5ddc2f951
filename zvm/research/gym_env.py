"""A Gymnasium environment for one story (optional: ``pip install 'zvm[gym]'``).

    env = zvm.research.gym_env.StoryEnv("zork1.z3")
    observation, info = env.reset(seed=12)
    observation, reward, terminated, truncated, info = env.step("open mailbox")

Observations and actions are text (``gymnasium.spaces.Text``). The
observation is what the story printed; the reward is the change of the
score; ``terminated`` is set when the game is over (won, lost or quit);
``truncated`` after ``max_steps`` commands (0: never). ``info`` holds the
score, moves, maximum score, won and lost. ``reset(seed=...)`` starts the
story with that seed (``dfrotz -s``), so a seeded episode is reproducible.

Spaces: a Text space needs a character set and a length limit. The
character set here is the Basic Multilingual Plane less the surrogates
(every character a story can print, §3.8), and an observation longer than
``max_observation`` characters keeps its last ``max_observation``
characters (where the latest text and prompt are).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import gymnasium
    from gymnasium import spaces
except ImportError:                              # pragma: no cover - named when used
    # (an optional package: the name says None without it)
    gymnasium = None  # type: ignore[assignment]

from zvm.research.common import GameError
from zvm.research.game import Game

CHARSET = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
MAX_OBSERVATION = 65536
MAX_ACTION = 256


def _base() -> type:
    if gymnasium is None:
        raise GameError("StoryEnv needs the gymnasium package: pip install 'zvm[gym]'")
    return gymnasium.Env


if TYPE_CHECKING:
    _Env = gymnasium.Env[str, str]
else:
    _Env = _base() if gymnasium is not None else object


class StoryEnv(_Env):
    """One story as a ``gymnasium.Env`` (see the module's docstring)."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, story: str, width: int = 0, max_steps: int = 0,
                 max_observation: int = MAX_OBSERVATION, render_mode: str | None = None) -> None:
        _base()
        self.story = story
        self.width = width
        self.max_steps = max_steps
        self.max_observation = max_observation
        self.render_mode = render_mode
        self.observation_space = spaces.Text(max_observation, min_length=0, charset=CHARSET)
        self.action_space = spaces.Text(MAX_ACTION, min_length=0, charset=CHARSET)
        Game(story)                                 # a bad path is named now
        self.game: Game | None = None
        self.steps = 0
        self.last = ""

    def _observe(self, text: str) -> str:
        self.last = text[-self.max_observation:] if self.max_observation else ""
        return self.last

    def _info(self) -> dict[str, Any]:
        g = self.game
        if TYPE_CHECKING:                            # after reset
            assert g is not None
        return {"score": g.score, "moves": g.moves, "max_score": g.max_score,
                "won": g.won, "lost": g.lost}

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """Start the story afresh: (opening text, info)."""
        super().reset(seed=seed)
        story_seed = seed if seed is not None else int(self.np_random.integers(1, 2 ** 31))
        self.game = Game(self.story, seed=story_seed, width=self.width)
        self.steps = 0
        return self._observe(self.game.reset()), self._info()

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Type action: (text, reward, terminated, truncated, info)."""
        if self.game is None:
            raise GameError("call reset() before step()")
        before = self.game.score or 0
        result = self.game.step(str(action)[:MAX_ACTION])
        self.steps += 1
        reward = float((result.score or 0) - before)
        truncated = bool(self.max_steps and self.steps >= self.max_steps and not result.done)
        return self._observe(result.text), reward, result.done, truncated, self._info()

    def render(self) -> str | None:
        """The latest text (render mode "ansi")."""
        return self.last if self.render_mode == "ansi" else None

    def close(self) -> None:
        self.game = None


ENV_ID = "zvm/Story-v0"


def register() -> None:
    """Make ``gymnasium.make("zvm/Story-v0", story=PATH, ...)`` build a
    ``StoryEnv`` (done when this module is imported with Gymnasium there)."""
    if gymnasium is not None and ENV_ID not in gymnasium.registry:
        # (make passes story= as a keyword; the stub's creator takes any keywords)
        gymnasium.register(id=ENV_ID, entry_point=StoryEnv)  # type: ignore[arg-type]


register()
