"""The stories that ship with zvm: our own, with their sources.

``CATALOGUE`` lists each story file in this folder with a one-line
description; the first is the one ``zvm`` plays when no story is named.
"""

CATALOGUE = {
    "hollinbrook.z5": "The Hollin Brook Signal: light the home signal before "
                      "the Night Mail comes (v5, 17 moves to win)",
    "v6demo.z6": "Four Views: a walk in four pictures, zvm's version 6 demonstration "
                 "(pictures, windows, the mouse)",
}
