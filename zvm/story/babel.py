"""IFIDs, titles and authors by the Treaty of Babel (revision 10 onwards).

``zcode_ifid(data)`` follows the Treaty's "The IFID for a legacy Z-code
story file" (section 2.2.2.1 in revision 9's numbering) and ``identify(story)``
adds "The IFID for a blorbed story file" (2.2.4): for a story that came in
a Blorb, the first IFID of the iFiction record in the 'IFmd' chunk takes
precedence. Title and author
come from that record's ``<bibliographic>`` section ("The iFiction format",
"Bibliographic"); a bare Z-code file carries neither.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from zvm.records import TYPE_CHECKING
from zvm.story.header import Header

if TYPE_CHECKING:
    from zvm.story.loader import Story

# "Scan byte-accessible memory for the pattern of ASCII characters
# UUID://...//, where '...' is a sequence of letters, numbers and hyphens."
UUID_PATTERN = re.compile(rb"UUID://([A-Za-z0-9-]+)//")

# §1.1: byte-accessible memory (dynamic plus static) ends at $ffff or at
# the end of the file, whichever is lower.
BYTE_ACCESSIBLE_END = 0x10000


def embedded_uuid(data: bytes) -> str | None:
    """The IFID branded into a story as ``UUID://...//``, or None."""
    match = UUID_PATTERN.search(data, 0, min(len(data), BYTE_ACCESSIBLE_END))
    return match.group(1).decode("ascii") if match else None


def zcode_ifid(data: bytes) -> str:
    """The Treaty's algorithm for a Z-code story file's IFID, step by step.

    1. If the serial code begins "8" or "9" or "00" to "05", skip step 2
       (such files pre-date the Treaty).
    2. Scan byte-accessible memory for UUID://...//; if found, that's the IFID.
    3. Start with "ZCODE-", the release number, "-".
    4. Copy the six characters of the serial code, converting any
       non-alphanumeric characters (in particular, nulls) to hyphens.
    5. If the first character of the serial code is 0-7 or 9 (but not 8)
       and the serial code is not "000000", "999999" or "------", add "-"
       and the checksum in hexadecimal (four digits, 0-9 and A-F).

    The release is the word at $02, the serial bytes $12-$17, the checksum
    the word at $1C (the header's, not one computed from the file).
    """
    header = Header.parse(data)
    serial_raw = header.serial
    if not _predates_treaty(serial_raw):
        uuid = embedded_uuid(data)
        if uuid is not None:
            return uuid
    release = header.release
    serial = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else "-"
                     for b in serial_raw)
    ifid = f"ZCODE-{release}-{serial}"
    if serial[:1] and serial[0] in "012345679" \
            and serial not in ("000000", "999999", "------"):
        checksum = header.checksum
        ifid += f"-{checksum:04X}"
    return ifid


def _predates_treaty(serial: bytes) -> bool:
    """Step 1: a serial code beginning "8" or "9" (1980s-1990s) or "00" to
    "05" (2000-2005) dates the file before UUIDs were branded in."""
    return serial[:1] in (b"8", b"9") or (
        len(serial) >= 2 and serial[0:1] == b"0" and serial[1:2] in (b"0", b"1", b"2",
                                                                     b"3", b"4", b"5"))


@dataclass(frozen=True)
class Metadata:
    """What an iFiction record says of its (first) story."""

    ifids: tuple[str, ...] = ()
    title: str | None = None
    author: str | None = None


def read_ifiction(xml_text: str) -> Metadata | None:
    """The IFIDs, title and author of the first ``<story>`` in an iFiction
    record; None when the XML cannot be read or is not iFiction 1.0 or
    later (the Treaty sets the v0.90 records of the Inform 7 previews
    aside). Tags are matched whatever their namespace."""
    try:
        root = ET.fromstring(xml_text.lstrip("\ufeff"))
    except ET.ParseError:
        return None
    if _local(root.tag) != "ifindex":
        return None
    version = root.get("version")
    if version is not None:
        try:
            if float(version) < 1.0:
                return None
        except ValueError:
            return None
    story = _child(root, "story")
    if story is None:
        return None
    ident = _child(story, "identification")
    ifids = tuple(t for t in (_text(e) for e in _children(ident, "ifid")) if t)
    biblio = _child(story, "bibliographic")
    return Metadata(ifids=ifids,
                    title=_text(_child(biblio, "title")),
                    author=_text(_child(biblio, "author")))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(parent: ET.Element | None, name: str) -> list[ET.Element]:
    if parent is None:
        return []
    return [e for e in parent if _local(e.tag) == name]


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    text = " ".join(element.text.split())
    return text or None


@dataclass(frozen=True)
class Identity:
    """What zvm --info says of a story: its IFID, where the IFID came from
    ("iFiction", "UUID" or "header"), and the title and author if known."""

    ifid: str
    source: str
    title: str | None = None
    author: str | None = None


def identify(story: Story) -> Identity:
    """The IFID, title and author of a loaded ``Story`` (from
    ``zvm.story.loader``): from a Blorb's iFiction record when it has one,
    otherwise from the Z-code itself."""
    meta = None
    blorb = getattr(story, "blorb", None)
    if blorb is not None and blorb.metadata is not None:
        meta = read_ifiction(blorb.metadata)
    title = meta.title if meta else None
    author = meta.author if meta else None
    if title is None and blorb is not None:
        title = blorb.text("SNam") or None     # the deprecated story-name chunk
    if meta and meta.ifids:
        # "if a single IFID must be extracted, the first one ... should be used"
        return Identity(meta.ifids[0], "iFiction", title, author)
    ifid = zcode_ifid(story.data)
    source = "UUID" if ifid == embedded_uuid(story.data) else "header"
    return Identity(ifid, source, title, author)
