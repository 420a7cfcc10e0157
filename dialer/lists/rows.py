"""Rows of a list file, CSV or JSON Lines, each with the line it starts on.

A file in UTF-16 (what spreadsheets save as "Unicode text"), told by its byte-order mark or
by the NULs of its ASCII characters, is read as UTF-8 made from it as it streams; anything else
is read as UTF-8, with or without its mark.

A JSON Lines record is one line. A CSV record is one line too, unless a quoted cell holds line
breaks (an address, a note: RFC 4180, as spreadsheets write it); then it is one record over
several lines, reported by the line it starts on. A quote left open runs, as in a spreadsheet,
to the end of the file: that row is reported and nothing after it is read.

The file is cut into blocks of whole records (`RowReader.blocks`), each parsed on its own
(`parse_block`): a big file's blocks go to worker processes as plain bytes. A record that
cannot be read (broken quoting, not text in the file's encoding, not a JSON object, a
NUL or half a surrogate pair, absurdly long) becomes a
row with an error, so one bad row is reported and the rest still load.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dialer.lists.records import GRAMMARS, Block, RecordCutter, never_closed, too_long
from tierdial.errors import UserError

MAX_LINE_BYTES = 64 * 1024  # of a record: a line, or the lines a quoted cell runs over
BLOCK_BYTES = 256 * 1024
BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}
# What a broken UTF-16 sequence becomes in the UTF-8 made from it: a byte no UTF-8 has, so that its line is
# reported as not text in the file's encoding, like a bad line of a UTF-8 file.
_NOT_UTF8 = b"\xff"
PHONE_COLUMNS = ("phone", "phone_number", "number", "tel", "mobile", "전화번호", "电话")
FORMATS = ("csv", "jsonl")


class Unreadable(ValueError):
    """A record that cannot be read; the message is the detail shown in the import report."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line of the file its record starts on; a CSV's header is line 1
    fields: dict[str, str]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """How to read a record: the format and, for CSV, the header's columns and the delimiter."""

    fmt: str
    columns: tuple[str, ...] = ()
    delimiter: str = ","
    encoding: str = "UTF-8"  # of the file, for the report: its blocks are always UTF-8


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.replace(b"\0", b"").lstrip(BOM + b"\xff\xfe \t\r\n").startswith(b"{") else "csv"


def utf16_of(head: bytes) -> str | None:
    """The UTF-16 codec a file starting with `head` is in, or None: by its byte-order mark, else by the NULs of its
    first line (the high bytes of ASCII characters, all on one side; UTF-8 text has none)."""
    for mark, codec in UTF16_BOMS.items():
        if head.startswith(mark):
            return codec
    end = head.find(b"\n")
    sample = head[: end if end > 0 else 400]  # the first line: a CSV's header, ASCII in every file seen
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even + odd == 0 or even + odd < len(sample) // 8:
        return None
    if odd >= 9 * even:
        return "utf-16-le"
    if even >= 9 * odd:
        return "utf-16-be"
    return None


class _Utf16AsUtf8:
    """A UTF-16 stream read as UTF-8; broken sequences become a byte that is not UTF-8."""

    def __init__(self, codec: str) -> None:
        self._decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self._mark = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        self._first = True

    def convert(self, chunk: bytes, last: bool = False) -> bytes:
        if self._first:
            chunk, self._first = chunk.removeprefix(self._mark), False
        text = self._decoder.decode(chunk, final=last)
        return text.encode("utf-8", errors="surrogatepass").replace("\ufffd".encode(), _NOT_UTF8)


class RowReader:
    """A list file read block by block; `bytes_read` follows progress through the file."""

    def __init__(self, stream: BinaryIO, name: str, fmt: str, block_bytes: int = BLOCK_BYTES) -> None:
        if fmt not in FORMATS:
            raise UserError(f"{name}: unknown list format {fmt!r} (csv or jsonl)")
        self.stream, self.name, self.fmt = stream, name, fmt
        self.block_bytes = block_bytes  # read at a time: a block holds about this much
        self.bytes_read = 0
        self.encoding = "UTF-8"
        self._source = self._chunks()
        self._after_header = (1, b"")  # a CSV's line after its header, and what was read past the header
        self._layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        """Read from the header on first use; a file without a usable header is refused here."""
        if self._layout is None:
            self._layout = Layout("jsonl", encoding=self.encoding) if self.fmt == "jsonl" else self._read_header()
        return self._layout

    def blocks(self) -> Iterator[Block]:
        """The rows' records (a CSV's header left out), in order."""
        layout = self.layout
        if layout.fmt == "jsonl":
            yield from self._line_blocks()
            return
        line, rest = self._after_header
        cutter = RecordCutter(GRAMMARS[layout.delimiter], line, MAX_LINE_BYTES)
        yield from cutter.feed(rest)
        for chunk in self._source:
            yield from cutter.feed(chunk)
        yield from cutter.close()

    def __iter__(self) -> Iterator[Row]:
        for block in self.blocks():
            yield from parse_block(block, self.layout)

    def _chunks(self) -> Iterator[bytes]:
        """The file's bytes as UTF-8 (or as they are, if not UTF-16)."""
        first = self.stream.read(self.block_bytes)
        self.bytes_read += len(first)
        codec = utf16_of(first)
        if codec is None:
            yield first
            while chunk := self.stream.read(self.block_bytes):
                self.bytes_read += len(chunk)
                yield chunk
            return
        self.encoding = "UTF-16"
        utf8 = _Utf16AsUtf8(codec)
        yield utf8.convert(first)
        while chunk := self.stream.read(self.block_bytes):
            self.bytes_read += len(chunk)
            yield utf8.convert(chunk)
        yield utf8.convert(b"", last=True)

    def _line_blocks(self) -> Iterator[Block]:
        line, carry = 1, b""
        for chunk in self._source:
            if not chunk:
                continue
            data = carry + chunk
            end = data.rfind(b"\n") + 1
            if end == 0:
                # No line ends here yet; past the limit the line is only kept long enough to be reported as too long.
                carry = data[: MAX_LINE_BYTES + 1]
                continue
            yield Block(line, data[:end])
            line += data.count(b"\n", 0, end)
            carry = data[end:]
        if carry:
            yield Block(line, carry)

    def _read_header(self) -> Layout:
        """The first line that is not blank; one that cannot be read is not skipped as blank (a later line taken for
        the header would misread every row)."""
        line, data, searched = 1, b"", 0
        while True:
            end = data.find(b"\n", searched)
            if end < 0 and len(data) <= MAX_LINE_BYTES:
                chunk = next(self._source, None)
                if chunk is not None:
                    searched, data = len(data), data + chunk
                    continue
                if not data:
                    raise UserError(f"{self.name}: the file has no header row")
            if end < 0:
                end = len(data)  # the file's last line, or one too long to read on to its end
            text, error = _decode(line, data[:end], self.encoding)
            if error:
                raise UserError(f"{self.name}: line {line}: the header is {error}")
            if text:
                self._after_header = (line + 1, data[end + 1 :])
                return self._csv_layout(line, text)
            line, data, searched = line + 1, data[end + 1 :], 0

    def _csv_layout(self, line: int, header: str) -> Layout:
        delimiter = next((d for d in (",", "\t", ";") if d in header), ",")
        try:
            columns = tuple(c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter, strict=True)))
        except csv.Error as exc:
            raise UserError(f"{self.name}: line {line}: cannot read the header: {exc}") from None
        if not any(c in PHONE_COLUMNS for c in columns):
            raise UserError(f"{self.name}: no phone column in the header (name one of: {', '.join(PHONE_COLUMNS)})")
        return Layout("csv", columns, delimiter, self.encoding)


def parse_block(block: Block, layout: Layout) -> Iterator[Row]:
    """The rows of a block; blank lines are skipped, unreadable records come back as rows with an error."""
    if block.error:
        yield Row(block.first_line, {}, block.error)
    elif layout.fmt == "csv" and b'"' in block.data:
        yield from _csv_records(block, layout)
    else:
        yield from _lines(block, layout)  # with no quote, a CSV record is a line


def _lines(block: Block, layout: Layout) -> Iterator[Row]:
    parse = _csv_fields if layout.fmt == "csv" else _json_fields
    for index, raw in enumerate(block.data.split(b"\n")):
        number = block.first_line + index
        text, error = _decode(number, raw, layout.encoding)
        if error:
            yield Row(number, {}, error)
        elif text:
            try:
                yield Row(number, parse(text, layout))
            except Unreadable as exc:
                yield Row(number, {}, str(exc))


def _csv_records(block: Block, layout: Layout) -> Iterator[Row]:
    """CSV records, some of them perhaps over several lines, each reported by the line it starts on."""
    record, data = GRAMMARS[layout.delimiter].record, block.data
    number, start = block.first_line, 0
    while start < len(data):
        found = record.match(data, start)
        raw = data[start:] if found is None else found.group()
        line_ends = raw.count(b"\n")
        lines = line_ends + (not raw.endswith(b"\n"))
        if found is None:
            # Only the file's last block can end inside a quoted cell: its quote is never closed.
            yield Row(number, {}, never_closed(lines))
            return
        text, error = _decode(number, raw.removesuffix(b"\n"), layout.encoding, lines)
        if error:
            yield Row(number, {}, error)
        elif text:
            try:
                yield Row(number, _csv_fields(text, layout))
            except Unreadable as exc:
                yield Row(number, {}, str(exc))
        number, start = number + line_ends, found.end()


def _decode(number: int, raw: bytes, encoding: str = "UTF-8", lines: int = 1) -> tuple[str, str | None]:
    """A record's text (empty when blank) or the reason it cannot be read."""
    if len(raw) > MAX_LINE_BYTES:
        return "", too_long(MAX_LINE_BYTES, lines)
    if number == 1:
        raw = raw.removeprefix(BOM)
    try:
        text = raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return "", f"not {encoding} text"
    if "\0" in text:
        # Python's CSV reader takes it, and no database stores it as text: one would fail the whole import.
        return "", "a NUL character: not text"
    return ("", None) if not text.strip() else (text, None)


def _csv_fields(text: str, layout: Layout) -> dict[str, str]:
    try:
        values = next(csv.reader([text], delimiter=layout.delimiter, strict=True))
    except csv.Error as exc:
        raise Unreadable(f"CSV quoting ({exc})") from None
    if len(values) > len(layout.columns):
        raise Unreadable(f"{len(values)} fields, the header has {len(layout.columns)}")
    return dict(zip(layout.columns, (v.strip() for v in values), strict=False))


def _json_fields(text: str, layout: Layout) -> dict[str, str]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise Unreadable("not a JSON object")
    fields = {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in record.items()}
    for key, value in fields.items():
        # JSON escapes can say what UTF-8 cannot: no database stores a NUL or half a surrogate pair as text.
        if "\0" in key + value:
            raise Unreadable(f"a NUL character in {key[:40]!r}")
        try:
            (key + value).encode("utf-8")
        except UnicodeEncodeError:
            raise Unreadable(f"half a surrogate pair in {key[:40]!r}: not Unicode text") from None
    return fields


def phone_field(fields: dict[str, str]) -> str:
    return next((fields[c] for c in PHONE_COLUMNS if fields.get(c)), "")
