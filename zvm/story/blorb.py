"""Blorb 2.0 resource files (FORM type IFRS), read with construct.

A Blorb file wraps a story and its resources in one IFF FORM (Blorb
specification 2.0.4, "Overall Structure" and "The IFF Format"): a resource
index ('RIdx', "Contents of the Resource Index Chunk") names each resource
by usage ('Pict', 'Snd ', 'Data', 'Exec') and number and points at its
chunk; other chunks ('IFmd' metadata, 'Fspc' frontispiece, 'RelN',
'IFhd', 'AUTH', '(c) ', 'ANNO', the deprecated 'SNam', ...) may appear
anywhere after it. zvm plays the 'Exec' resource when its chunk is 'ZCOD'
("Executable Resource Chunks") and shows the rest with ``zvm --info``.

Every refusal is a ``StoryError`` with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from construct import (Array, Bytes, ConstructError, Int16ub, Int32ub, Struct, Terminated,
                       this)

from zvm.errors import StoryError
from zvm.story.iff import CHUNK_HEADER, FORM_HEADER

INDEX_ENTRY = Struct("usage" / Bytes(4), "number" / Int32ub, "start" / Int32ub)
# The index's data: a count, then that many entries and nothing more.
RIDX = Struct("count" / Int32ub, "entries" / Array(this.count, INDEX_ENTRY), Terminated)
NUMBER = Int32ub                       # 'Fspc' picture number
RELEASE = Int16ub                      # 'RelN'

USAGES = {b"Pict": "picture", b"Snd ": "sound", b"Data": "data", b"Exec": "story"}

# "Executable Resource Chunks": the chunk type names the story's format.
EXEC_FORMATS = {
    b"ZCOD": "Z-code", b"GLUL": "Glulx", b"TAD2": "TADS 2", b"TAD3": "TADS 3",
    b"HUGO": "Hugo", b"ALAN": "Alan", b"ADRI": "ADRIFT", b"LEVE": "Level 9",
    b"AGT ": "AGT", b"MAGS": "Magnetic Scrolls", b"ADVS": "AdvSys",
    b"EXEC": "native executable",
}


def _name(chunk_id: bytes) -> str:
    return chunk_id.decode("latin-1")


@dataclass(frozen=True)
class Chunk:
    """One chunk of the FORM: its type, where its header starts (from the
    start of the file, as 'RIdx' counts) and its data's length."""

    type: str
    offset: int
    size: int

    @property
    def data_start(self) -> int:
        return self.offset + 8


@dataclass(frozen=True)
class Resource:
    """One entry of the resource index, with the chunk it points at."""

    usage: str              # 'Pict', 'Snd ', 'Data' or 'Exec'
    number: int
    chunk_type: str         # 'PNG ', 'JPEG', 'ZCOD', 'FORM' (AIFF), ...
    size: int               # the chunk's data length in bytes
    offset: int             # of the chunk, from the start of the file

    @property
    def kind(self) -> str:
        return USAGES.get(self.usage.encode("latin-1"), self.usage.strip())


@dataclass(frozen=True)
class Blorb:
    data: bytes = field(repr=False)
    chunks: tuple[Chunk, ...]
    resources: tuple[Resource, ...]

    # -- chunks ------------------------------------------------------------

    def chunk_data(self, chunk: Chunk | Resource) -> bytes:
        start = chunk.offset + 8
        return self.data[start:start + chunk.size]

    def first(self, chunk_type: str) -> Chunk | None:
        return next((c for c in self.chunks if c.type == chunk_type), None)

    def text(self, chunk_type: str) -> str | None:
        """An 'AUTH', '(c) ' or 'ANNO' chunk's text ("Other Optional
        Chunks": ASCII, no terminator); 'SNam' is UTF-16 big-endian
        ("Deprecated Chunks")."""
        chunk = self.first(chunk_type)
        if chunk is None:
            return None
        raw = self.chunk_data(chunk)
        if chunk_type == "SNam":
            return raw.decode("utf-16-be", errors="replace").rstrip("\0")
        return raw.decode("latin-1").rstrip("\0")

    @property
    def metadata(self) -> str | None:
        """The iFiction XML of the first 'IFmd' chunk ("Metadata": UTF-8),
        or None."""
        chunk = self.first("IFmd")
        if chunk is None:
            return None
        return self.chunk_data(chunk).decode("utf-8", errors="replace")

    @property
    def release(self) -> int | None:
        """The 'RelN' release number of the resources, or None."""
        chunk = self.first("RelN")
        if chunk is None or chunk.size < 2:
            return None
        return RELEASE.parse(self.chunk_data(chunk))

    @property
    def frontispiece(self) -> int | None:
        """The picture number named by 'Fspc', or None."""
        chunk = self.first("Fspc")
        if chunk is None or chunk.size < 4:
            return None
        return NUMBER.parse(self.chunk_data(chunk))

    # -- the story ---------------------------------------------------------

    @property
    def executable(self) -> Resource | None:
        """The 'Exec' resource to run: number 0 when there are several
        ("Multiple Executable Chunks": chunk zero is the one to execute)."""
        execs = [r for r in self.resources if r.usage == "Exec"]
        if not execs:
            return None
        return next((r for r in execs if r.number == 0), execs[0])

    def zcode(self) -> bytes:
        """The Z-code story in the 'Exec' resource; StoryError when there
        is none or it is another format."""
        story = self.executable
        if story is None:
            raise StoryError("a Blorb file with no story in it (no Exec resource)")
        kind = story.chunk_type.encode("latin-1")
        if kind != b"ZCOD":
            what = EXEC_FORMATS.get(kind)
            if what is None:
                raise StoryError(f"a Blorb file whose story is of type "
                                 f"'{story.chunk_type}', not Z-code")
            article = "an" if what[0] in "AEIOU" else "a"
            raise StoryError(f"a Blorb file holding {article} {what} story, not Z-code")
        return self.chunk_data(story)


def parse(data: bytes) -> Blorb:
    """Read the FORM's chunks and the resource index. StoryError when the
    file is not a Blorb, is cut short, or its index is missing or points
    where no chunk begins."""
    try:
        form = FORM_HEADER.parse(data)
    except ConstructError:
        raise StoryError("truncated Blorb file: shorter than its 12-byte FORM header") from None
    if form.magic != b"FORM" or form.type != b"IFRS":
        raise StoryError("not a Blorb file (no FORM of type IFRS)")
    end = 8 + form.length
    if end > len(data):
        raise StoryError(f"truncated Blorb file: the FORM says {end} bytes, "
                         f"the file has {len(data)}")

    chunks = []
    at = 12
    while at < end:
        if end - at < 8:
            raise StoryError(f"corrupt Blorb file: {end - at} stray bytes at ${at:x}, "
                             f"too few for a chunk header")
        header = CHUNK_HEADER.parse(data[at:at + 8])
        kind = _name(header.id)
        if at + 8 + header.length > end:
            raise StoryError(f"truncated Blorb file: chunk '{kind}' at ${at:x} says "
                             f"{header.length} bytes, past the end of the FORM")
        chunks.append(Chunk(kind, at, header.length))
        # IFF: an odd-length chunk is followed by a pad byte not counted in
        # its length (a last chunk without one is tolerated).
        at += 8 + header.length + (header.length & 1)

    index = next((c for c in chunks if c.type == "RIdx"), None)
    if index is None:
        raise StoryError("corrupt Blorb file: no resource index (RIdx chunk)")
    try:
        entries = RIDX.parse(data[index.data_start:index.data_start + index.size]).entries
    except ConstructError:
        raise StoryError(f"corrupt Blorb file: a resource index of {index.size} bytes "
                         f"is not a count and 12 bytes an entry") from None
    by_offset = {c.offset: c for c in chunks}
    resources = []
    for entry in entries:
        usage = _name(entry.usage)
        chunk = by_offset.get(entry.start)
        if chunk is None:
            raise StoryError(f"corrupt Blorb file: resource '{usage}' {entry.number} "
                             f"points at ${entry.start:x}, where no chunk begins")
        resources.append(Resource(usage, entry.number, chunk.type, chunk.size, chunk.offset))
    return Blorb(data=bytes(data), chunks=tuple(chunks), resources=tuple(resources))
