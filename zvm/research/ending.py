"""How a game ends: the question or menu a story shows when it is over,
and whether it was won or lost.

A story is over when it stops (@quit, §15) or when the last paragraph it
printed before asking for input offers at least two of: restart (or start
over, play again), restore (or load), quit (or end the session), undo —
in any form: Infocom's "(Type RESTART, RESTORE, or QUIT)", the Inform
library's "Would you like to RESTART, RESTORE a saved game ... or QUIT?",
numbered menus such as "(1) Quit, (2) Restart", yes/no questions that
name them.

Won: the score reached the maximum score the story states, or the last
text says the game was won ("You have won", "*** You win ***",
"Congratulations" ...). Lost: over, not won, and not stopped by the
player's own quit (a @quit with no game-over question before it).
"""

from __future__ import annotations

import re

CHOICES = (
    re.compile(r"\brestart\b|\bstart (?:again|over)\b|\bbegin again\b|\bplay again\b"
               r"|\bnew game\b", re.I),
    re.compile(r"\brestore\b|\bload (?:a )?saved\b", re.I),
    re.compile(r"\bquit\b|\bend (?:this|the) (?:session|game)\b", re.I),
    re.compile(r"\bundo\b", re.I),
)
WON = re.compile(r"\byou (?:have )?won\b|\byou win\b|\bcongratulations\b|\bvictor(?:y|ious)\b"
                 r"|\byou have (?:completed|finished) the game\b", re.I)
LAST_PARAGRAPH = 400                      # characters before the prompt searched for choices


def last_paragraph(text: str) -> str:
    """The end of text without the prompt, as far back as a blank line
    (or LAST_PARAGRAPH characters)."""
    body = text.rstrip()
    if body.endswith(">"):
        body = body[:-1].rstrip()
    tail = body[-LAST_PARAGRAPH:]
    cut = tail.rfind("\n\n")
    if cut >= 0 and len(tail) - cut > 40:
        tail = tail[cut:]
    return tail


def asks_game_over(text: str) -> bool:
    """Whether text ends with a game-over question or menu."""
    tail = last_paragraph(text)
    return sum(1 for choice in CHOICES if choice.search(tail)) >= 2


def says_won(text: str) -> bool:
    return bool(WON.search(text))
