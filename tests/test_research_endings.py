"""zvm as a library: recognising the end of a game from its text (issue 15,
item 3): ``asks_game_over`` and ``says_won`` in zvm.research.common."""

from __future__ import annotations

import pytest

from zvm.research.common import asks_game_over, says_won

INFOCOM = ("\n    ****  You have died  ****\n\nYour score is 10 (total of 350 points), in 25 moves."
           "\nThis gives you the rank of Beginner.\n\nWould you like to restart the game from "
           "the beginning, restore a saved game\nposition, or end this session of the game?"
           "\n(Type RESTART, RESTORE, or QUIT):\n>")
INFORM = ("You jump into the pond and sink like a stone.\n\n\n    *** You have died ***\n\n\n\n"
          "In that game you scored 0 out of a possible 3, in 2 turns.\n\nWould you like to "
          "RESTART, RESTORE a saved game, UNDO your last move or QUIT?\n>")


@pytest.mark.parametrize("text", [
    INFOCOM,
    INFORM,
    "*** The End ***\n\n(1) Quit, (2) Restart\n>",
    "*** The End ***\n\nPlease choose:\n(1) Restart\n(2) Restore\n(3) Quit\n> ",
    "It is over.\n\n1. Start over\n2. Load a saved game\n3. End the session\n",
    "Would you like to play again or quit? ",
])
def test_game_over_questions_and_menus_are_recognised(text: str) -> None:
    assert asks_game_over(text)


@pytest.mark.parametrize("text", [
    # a help text that mentions restart and quit, then goes on
    "HELP\n\nType commands such as TAKE LAMP. You can RESTORE a saved game, RESTART or QUIT "
    "at any time, and UNDO a move you regret. Type HINT when you are stuck.\n>",
    "You can RESTART or QUIT at any time. Good luck!\n>",
    "Taken.\n>",
    "The sign says: quit smoking.\n>",
])
def test_texts_that_mention_the_choices_in_passing_are_not_endings(text: str) -> None:
    assert not asks_game_over(text)


# Every wording each of the CHOICES accepts, by choice.
WORDINGS = [["restart", "start again", "start over", "begin again", "play again", "new game"],
            ["restore", "load saved", "load a saved"],
            ["quit", "end this session", "end the game"],
            ["undo"]]


def test_every_wording_of_two_choices_is_an_ending_in_any_case() -> None:
    """Turns' texts are ruled out by a plain search for the choices' words
    before the patterns run: no wording the patterns accept may be missed."""
    for i, first in enumerate(WORDINGS):
        for second in WORDINGS[i + 1:]:
            for a in first:
                for b in second:
                    for case in (str.lower, str.upper, str.title):
                        text = f"Would you like to {case(a)} or {case(b)}?\n>"
                        assert asks_game_over(text), text
                        assert asks_game_over("Fin\u00e9. " + text), text
                    assert not asks_game_over(f"You {a} the thing.\n>")


def test_won_and_not_won() -> None:
    assert says_won("    *** You have won ***\n\nIn that game you scored 3 out of 3.")
    assert says_won("Congratulations! You have completed the game.")
    assert not says_won(INFORM)
    assert not says_won(INFOCOM)
