"""Rows of a list file, CSV or JSON Lines, one record per line, each with its line number.

The file is cut into blocks of whole lines (`RowReader.blocks`), each parsed on its own
(`parse_block`): a big file's blocks go to worker processes as plain bytes. A line that
cannot be read (a broken quote, not UTF-8, not a JSON object, absurdly long) becomes a
row with an error, so one bad line is reported and the rest still load. Parsing is line
by line: a stray quote never swallows the rest of the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tierdial.errors import UserError

MAX_LINE_BYTES = 64 * 1024
BLOCK_BYTES = 256 * 1024
BOM = b"\xef\xbb\xbf"
PHONE_COLUMNS = ("phone", "phone_number", "number", "tel", "mobile", "전화번호", "电话")
FORMATS = ("csv", "jsonl")


class Unreadable(ValueError):
    """A line that holds no record; the message is the detail shown in the import report."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line of the file; a CSV's header is line 1
    fields: dict[str, str]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines of the file, the first of them line `first_line`."""

    first_line: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Layout:
    """How to read a line: the format and, for CSV, the header's columns and the delimiter."""

    fmt: str
    columns: tuple[str, ...] = ()
    delimiter: str = ","


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip(BOM + b" \t\r\n").startswith(b"{") else "csv"


class RowReader:
    """A list file read block by block; `bytes_read` follows progress through the file."""

    def __init__(self, stream: BinaryIO, name: str, fmt: str) -> None:
        if fmt not in FORMATS:
            raise UserError(f"{name}: unknown list format {fmt!r} (csv or jsonl)")
        self.stream, self.name, self.fmt = stream, name, fmt
        self.bytes_read = 0
        self._raw = self._line_blocks()
        self._after_header: Block | None = None
        self._layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        """Read from the header on first use; a file without a usable header is refused here."""
        if self._layout is None:
            self._layout = Layout("jsonl") if self.fmt == "jsonl" else self._read_header()
        return self._layout

    def blocks(self) -> Iterator[Block]:
        """The rows' lines (a CSV's header left out), in order."""
        self.layout  # noqa: B018 - the header goes first
        if self._after_header is not None:
            yield self._after_header
        yield from self._raw

    def __iter__(self) -> Iterator[Row]:
        for block in self.blocks():
            yield from parse_block(block, self.layout)

    def _line_blocks(self) -> Iterator[Block]:
        line, carry = 1, b""
        while chunk := self.stream.read(BLOCK_BYTES):
            self.bytes_read += len(chunk)
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
        for block in self._raw:
            lines = block.data.split(b"\n")
            for index, raw in enumerate(lines):
                text, _ = _decode(block.first_line + index, raw)
                if not text:
                    continue
                rest = b"\n".join(lines[index + 1 :])
                self._after_header = Block(block.first_line + index + 1, rest) if rest else None
                return self._csv_layout(block.first_line + index, text)
        raise UserError(f"{self.name}: the file has no header row")

    def _csv_layout(self, line: int, header: str) -> Layout:
        delimiter = next((d for d in (",", "\t", ";") if d in header), ",")
        try:
            columns = tuple(c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter, strict=True)))
        except csv.Error as exc:
            raise UserError(f"{self.name}: line {line}: cannot read the header: {exc}") from None
        if not any(c in PHONE_COLUMNS for c in columns):
            raise UserError(f"{self.name}: no phone column in the header (name one of: {', '.join(PHONE_COLUMNS)})")
        return Layout("csv", columns, delimiter)


def parse_block(block: Block, layout: Layout) -> Iterator[Row]:
    """The rows of a block; blank lines are skipped, unreadable ones come back as rows with an error."""
    parse = _csv_fields if layout.fmt == "csv" else _json_fields
    for index, raw in enumerate(block.data.split(b"\n")):
        number = block.first_line + index
        text, error = _decode(number, raw)
        if error:
            yield Row(number, {}, error)
        elif text:
            try:
                yield Row(number, parse(text, layout))
            except Unreadable as exc:
                yield Row(number, {}, str(exc))


def _decode(number: int, raw: bytes) -> tuple[str, str | None]:
    """A line's text (empty when blank) or the reason it cannot be read."""
    if len(raw) > MAX_LINE_BYTES:
        return "", f"line longer than {MAX_LINE_BYTES // 1024} KB"
    if number == 1:
        raw = raw.removeprefix(BOM)
    try:
        text = raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return "", "not UTF-8 text"
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
    return {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in record.items()}


def phone_field(fields: dict[str, str]) -> str:
    return next((fields[c] for c in PHONE_COLUMNS if fields.get(c)), "")
