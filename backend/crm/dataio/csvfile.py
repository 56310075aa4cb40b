"""Reading CSV files people export from other CRMs and spreadsheets, and writing safe ones.

Reading streams: bytes are decoded incrementally, split into records (a quoted field may
span lines) and parsed one record at a time, so memory stays bounded whatever the file,
and a bad record (broken quoting, a huge line, bytes of another encoding) becomes an
error for that row only. Rows are numbered by the line they start on (the header is
line 1), as an editor or a spreadsheet shows them.

Writing neutralises formula injection: a cell starting with ``= + - @`` (or a tab or
carriage return) is prefixed with ``'`` so a spreadsheet shows it as text.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import puremagic

from crm.core.errors import BadRequest, UnsupportedMediaType

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "iso-8859-1")
ENCODING_ALIASES = {
    "auto": "auto",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16": "utf-16",
    "utf16": "utf-16",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "iso-8859-1",
    "latin1": "iso-8859-1",
    "iso-8859-1": "iso-8859-1",
}
DELIMITERS = (",", ";", "\t", "|")
MAX_RECORD_CHARS = 1_000_000
MAX_COLUMNS = 500
MAX_HEADER_CHARS = 200
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARK = "crm_import_mark"
BAD_BYTES = "\ufffd"
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f"}


def _mark(error: UnicodeError) -> tuple[str, int]:
    # Undecodable bytes become U+FFFD; the row holding one is refused (never silently mangled).
    assert isinstance(error, UnicodeDecodeError)
    return BAD_BYTES, error.end


codecs.register_error(_MARK, _mark)


class NotCsv(UnsupportedMediaType):
    code = "not_csv"


class UnknownEncoding(BadRequest):
    code = "unknown_encoding"


def resolve_encoding(requested: str | None) -> str:
    name = ENCODING_ALIASES.get((requested or "auto").strip().lower())
    if name is None:
        raise UnknownEncoding(f"encoding must be one of auto, {', '.join(ENCODINGS)}")
    return name


def detect_encoding(head: bytes, requested: str | None = None) -> str:
    """The file's encoding: as asked, else from a BOM, else UTF-8 when it decodes, else Windows-1252.

    Raises NotCsv when the bytes are not text (a spreadsheet, a PDF, binary garbage).
    """
    wanted = resolve_encoding(requested)
    if wanted != "auto":
        encoding = wanted
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    controls = sum(1 for ch in text if ch in _CONTROL)
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise NotCsv(f"this is not a CSV file{_known_format(head)}; export the data as CSV and upload that")
    return encoding


def _known_format(head: bytes) -> str:
    try:
        matches = puremagic.magic_string(head) if head else []
    except (puremagic.PureError, ValueError):
        return ""
    names = [m.name or m.mime_type for m in matches if m.confidence >= 0.4 and (m.name or m.mime_type)]
    return f" (it looks like {names[0]})" if names else ""


@dataclass(frozen=True, slots=True)
class Record:
    """One record of the file: its first line number and its text, or why it cannot be read."""

    line: int
    text: str | None
    error: str | None = None


class Records:
    """Records of the file, split where a line ends outside a quoted field; blank lines are skipped.

    ``delimiter`` is known once the first record (the header) has been read. A quote opens a
    quoted field only at the start of a field (elsewhere it is a plain character), so a stray
    quote in one row never swallows the rows after it.
    """

    def __init__(self, chunks: AsyncIterator[bytes], encoding: str) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=_MARK)
        self._splitter = _Splitter()
        self._iterator = self._iterate()

    @property
    def delimiter(self) -> str:
        return self._splitter.delimiter or ","

    def __aiter__(self) -> AsyncIterator[Record]:
        return self._iterator

    async def _iterate(self) -> AsyncIterator[Record]:
        state = self._splitter
        async for chunk in self._chunks:
            for record in state.feed(self._decoder.decode(chunk)):
                yield record
        for record in state.feed(self._decoder.decode(b"", final=True)):
            yield record
        for record in state.finish():
            yield record

    async def aclose(self) -> None:
        await self._iterator.aclose()  # type: ignore[attr-defined]
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            await closer()


def _in_quotes_after(line: str, in_quotes: bool, delimiter: str) -> bool:
    """Whether ``line`` ends inside a quoted field (RFC 4180: quotes open only at a field start)."""
    position, size = 0, len(line)
    while True:
        if in_quotes:
            end = line.find('"', position)
            if end < 0:
                return True
            if end + 1 < size and line[end + 1] == '"':
                position = end + 2  # an escaped quote
                continue
            in_quotes = False
            position = end + 1
        elif position < size and line[position] == '"':
            in_quotes = True
            position += 1
            continue
        after = line.find(delimiter, position)
        if after < 0:
            return False
        position = after + 1


class _Splitter:
    def __init__(self) -> None:
        self.pending = ""
        self.newline: str | None = None
        self.parts: list[str] = []
        self.size = 0
        self.in_quotes = False
        self.delimiter: str | None = None
        self.line = 0  # physical lines consumed
        self.start = 0
        self.skipping = False  # inside a line too long to keep: drop it up to its end

    def feed(self, text: str) -> Iterable[Record]:
        if not text:
            return
        buffer = self.pending + text
        if self.newline is None:
            if "\n" in buffer:
                self.newline = "\n"
            elif "\r" in buffer:
                self.newline = "\r"  # old Mac line ends
            elif len(buffer) <= MAX_RECORD_CHARS:
                self.pending = buffer
                return
            else:
                self.newline = "\n"
        lines = buffer.split(self.newline)
        self.pending = lines.pop()
        for line in lines:
            yield from self._line(line)
        if len(self.pending) > MAX_RECORD_CHARS:
            if not self.skipping:
                yield from self._too_long(self.line + 1)
            self.skipping = True
            self.pending = ""

    def _too_long(self, line: int) -> Iterable[Record]:
        start = self.start if self.parts else line
        self.parts, self.size, self.in_quotes = [], 0, False
        yield Record(
            start, None, f"the row is longer than {MAX_RECORD_CHARS} characters (or a quote is not closed)"
        )

    def _line(self, line: str) -> Iterable[Record]:
        self.line += 1
        if self.skipping:
            self.skipping = False
            return
        if self.newline == "\n" and line.endswith("\r"):
            line = line[:-1]
        if not self.parts:
            if not line.strip():
                return
            self.start = self.line
            if self.delimiter is None:
                self.delimiter = sniff_delimiter(line)
        self.parts.append(line)
        self.size += len(line)
        if self.in_quotes or '"' in line:
            self.in_quotes = _in_quotes_after(line, self.in_quotes, self.delimiter or ",")
        if not self.in_quotes:
            text = "\n".join(self.parts)
            self.parts, self.size = [], 0
            yield Record(self.start, text)
        elif self.size > MAX_RECORD_CHARS:
            yield from self._too_long(self.line)

    def finish(self) -> Iterable[Record]:
        if self.pending and not self.skipping:
            yield from self._line(self.pending)
        self.pending = ""
        if self.parts:
            start = self.start
            self.parts, self.in_quotes = [], False
            yield Record(start, None, "a quoted value is not closed before the end of the file")


def sniff_delimiter(header: str) -> str:
    """The separator the header row uses most outside quotes (``,`` ``;`` tab or ``|``)."""
    outside = header.split('"')[::2]
    counts = {d: sum(part.count(d) for part in outside) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse(text: str, delimiter: str) -> list[str]:
    """The cells of one record; raises csv.Error for broken quoting or an oversized field."""
    return next(csv.reader((text,), delimiter=delimiter, strict=True), [])


def parse_many(texts: Sequence[str], delimiter: str) -> list[list[str]] | None:
    """The cells of many records with one reader (a reader per record costs more than the parse),
    or None if any record is not valid CSV: the caller then parses each alone, to blame only it."""
    try:
        rows = list(csv.reader(texts, delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    # Each text is one whole record (the splitter closed its quotes), so one row each; any other
    # count means the reader read quoting differently: fall back rather than misalign rows.
    return rows if len(rows) == len(texts) else None


def header_names(cells: Sequence[str]) -> list[str]:
    """Column names: trimmed, blank ones named by position, repeated ones numbered."""
    if len(cells) > MAX_COLUMNS:
        raise BadRequest(
            f"the file has {len(cells)} columns; at most {MAX_COLUMNS} are read", code="invalid_csv"
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        name = " ".join(cell.replace("\ufeff", "").split())[:MAX_HEADER_CHARS] or f"Column {position}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name} ({count})")
    return names


def neutralize(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (no formulas)."""
    return "'" + value if value.startswith(FORMULA_START) else value


class CsvWriter:
    """Rows to CSV text in chunks, every cell neutralised."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def row(self, cells: Iterable[Any]) -> None:
        self.writer.writerow([neutralize(cell_text(cell)) for cell in cells])

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def size(self) -> int:
        return self.buffer.tell()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(cell_text(item) for item in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
