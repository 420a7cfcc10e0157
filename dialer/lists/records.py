"""Where a CSV file's records end, when a quoted cell may hold line breaks (RFC 4180).

A quote opens a quoted cell only at the start of a cell, and inside one a doubled quote is a quote; a quote anywhere
else is a character like any other. That is how Python's csv module reads a file, which parses each record, so the
record ends found here are the ones it would find. The grammar is regular expressions, so scanning stays in C; a stretch
without a quote needs none of it, and is cut at its last line end as a file of plain lines is.

`RecordCutter` turns a stream of bytes into blocks of whole records, each parsed on its own (in worker processes for a
big file), so no record is ever split between two blocks. A record longer than the limit is not held: its block carries
only its first line and the reason.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    """Whole records of the file, the first of them starting on line `first_line`; or, for a record too long to hold
    (`error` set), only where it starts and why it is not read."""

    first_line: int
    data: bytes
    error: str | None = None


class _Within(enum.Enum):
    """Where a record read so far has got to; the value is the shortest text that gets a scan there."""

    CELL_START = b""
    PLAIN = b"x"  # in a cell that is not quoted, or past a quoted cell's closing quote: a quote is a character here
    QUOTED = b'"'
    QUOTE_IN_QUOTED = b'""'  # a closing quote, or the first of a doubled one: the next byte tells


@dataclass(frozen=True, slots=True)
class Grammar:
    """The records of a CSV file with one delimiter."""

    delimiter: bytes
    records: re.Pattern[bytes]  # the longest run of whole records, each with its line end
    record: re.Pattern[bytes]  # one record, with its line end or the end of the data
    cells: re.Pattern[bytes]  # a record's whole cells, each with the delimiter after it
    quoted_start: re.Pattern[bytes]  # a quoted cell's opening quote and what follows it up to a lone quote

    @classmethod
    def of(cls, delimiter: str) -> Grammar:
        d = re.escape(delimiter.encode())
        # Possessive everywhere: a scan never goes back, so a record is read one way only, the csv module's way.
        quoted = rb'"(?:[^"]++|"")*+"'
        cell = rb"(?:" + quoted + rb"[^" + d + rb"\n]*+|[^" + d + rb'"\n][^' + d + rb"\n]*+)?+"
        body = cell + rb"(?:" + d + cell + rb")*+"
        return cls(
            delimiter.encode(),
            re.compile(rb"(?:" + body + rb"\n)*+"),
            re.compile(body + rb"(?:\n|\Z)"),
            re.compile(rb"(?:" + cell + d + rb")*+"),
            re.compile(rb'"(?:[^"]++|"")*+'),
        )

    def within(self, start: bytes) -> _Within:
        """Where `start`, the beginning of a record without its line end, has got to."""
        if b'"' not in start:
            return _Within.CELL_START if not start or start.endswith(self.delimiter) else _Within.PLAIN
        last = start[self.cells.match(start).end() :]  # the cell in progress
        if not last:
            return _Within.CELL_START
        if not last.startswith(b'"'):
            return _Within.PLAIN
        rest = last[self.quoted_start.match(last).end() :]
        return _Within.QUOTED if not rest else _Within.QUOTE_IN_QUOTED if rest == b'"' else _Within.PLAIN

    def end_of_first(self, data: bytes, within: _Within) -> int:
        """Where the record in progress, got to `within`, ends in `data` (after its line end), or -1."""
        if within in (_Within.CELL_START, _Within.PLAIN):
            line_end = data.find(b"\n")
            if data.find(b'"', 0, None if line_end < 0 else line_end) < 0:
                return line_end + 1 if line_end >= 0 else -1
        text = within.value + data
        found = self.record.match(text)
        if found is None or not text.endswith(b"\n", 0, found.end()):
            return -1
        return found.end() - len(within.value)

    def end_of_records(self, data: bytes, start: int) -> int:
        """The end of the whole records of `data` from `start`, a record's start."""
        if data.find(b'"', start) < 0:
            return max(start, data.rfind(b"\n") + 1)
        return self.records.match(data, start).end()


GRAMMARS = {d: Grammar.of(d) for d in (",", "\t", ";")}


def too_long(limit: int, lines: int) -> str:
    if lines <= 1:
        return f"line longer than {limit // 1024} KB"
    return f"row longer than {limit // 1024} KB (a quoted cell runs over its {lines} lines)"


def never_closed(lines: int) -> str:
    return (
        f"CSV quoting (a quote opened in this row is never closed: the rest of the file, {lines} lines, "
        "would be one cell; nothing of it was loaded)"
    )


class RecordCutter:
    """Blocks of whole records from a CSV file's bytes, fed in pieces as they are read."""

    def __init__(self, grammar: Grammar, first_line: int, limit: int) -> None:
        self.grammar, self.limit = grammar, limit
        self.line = first_line  # where the record in progress starts
        self.held = bytearray()  # the record in progress, unless it is past the limit
        self.within = _Within.CELL_START
        self.over = False  # past the limit: its bytes are no longer held, only its line ends counted
        self.lines_over = 0
        self.ends_line = False  # the last byte fed ended a line (inside a quoted cell, if the record goes on)

    def feed(self, data: bytes) -> Iterator[Block]:
        if not data:
            return
        first = self.grammar.end_of_first(data, self.within)
        if first < 0:
            self._hold(data)
            return
        last = self.grammar.end_of_records(data, first)
        if self.over:
            yield Block(self.line, b"", too_long(self.limit, self.lines_over + data.count(b"\n", 0, first)))
            self.line += self.lines_over + data.count(b"\n", 0, first)
            block = data[first:last]
        else:
            block = bytes(self.held) + data[:last]
        if block:
            yield Block(self.line, block)
            self.line += block.count(b"\n")
        self.held, self.within, self.over = bytearray(), _Within.CELL_START, False
        self._hold(data[last:])

    def close(self) -> Iterator[Block]:
        """What is left at the end of the file: a last record without a line end, or one whose quote never closed."""
        if self.over:
            lines = self.lines_over + (0 if self.ends_line else 1)
            reason = never_closed(lines) if self.within is _Within.QUOTED else too_long(self.limit, lines)
            yield Block(self.line, b"", reason)
        elif self.held:
            yield Block(self.line, bytes(self.held))

    def _hold(self, data: bytes) -> None:
        """Part of the record in progress, with no end of it."""
        if not data:
            return
        self.within = self.grammar.within(self.within.value + data)
        self.ends_line = data.endswith(b"\n")
        if self.over:
            self.lines_over += data.count(b"\n")
            return
        self.held += data
        if len(self.held) > self.limit:
            self.over, self.lines_over, self.held = True, self.held.count(b"\n"), bytearray()
