"""Names of objects: the property that holds them and one word to call
each object by (§12.4 properties, §13 the dictionary)."""

from __future__ import annotations

import re

from zvm.research.access import Access


def name_property(acc: Access) -> int | None:
    """The property whose values are dictionary words in most objects."""
    entries = {a for a, _, _ in acc.dictionary_entries()}
    counts: dict[int, int] = {}
    for n in range(1, acc.object_count() + 1):
        for num, data in acc.properties(n):
            if len(data) >= 2 and len(data) % 2 == 0 and all(
                    ((data[i] << 8) | data[i + 1]) in entries for i in range(0, len(data), 2)):
                counts[num] = counts.get(num, 0) + 1
    return max(sorted(counts), key=lambda k: counts[k]) if counts else None


def name_words(acc: Access, prop: int | None) -> dict[int, str]:
    """One word to call each object by: of its words in property prop (the
    ``name_property``), the one its short name ends with (written out in
    full when the dictionary keeps only its start, §13.3), else its first;
    objects without names are left out."""
    if prop is None:
        return {}
    words = {a: w for a, w, _ in acc.dictionary_entries()}
    out: dict[int, str] = {}
    for n in range(1, acc.object_count() + 1):
        data = dict(acc.properties(n)).get(prop)
        if not data or len(data) % 2:
            continue
        own = [words[(data[i] << 8) | data[i + 1]] for i in range(0, len(data), 2)
               if ((data[i] << 8) | data[i + 1]) in words]
        own = [w for w in own if w.isalpha()]
        if not own:
            continue
        shown = re.findall(r"[a-z]+", acc.object_name(n).lower())
        chosen = None
        for full in reversed(shown):
            for w in own:
                if full == w or (len(w) >= acc.word_length() and full.startswith(w)):
                    chosen = full
                    break
            if chosen:
                break
        out[n] = chosen or own[0]
    return out
