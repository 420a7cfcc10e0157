"""Rows of a list file, CSV or JSON Lines, one record per line, each with its line number.

A line that cannot be read (a broken quote, not UTF-8, not a JSON object, absurdly
long) becomes a row with an error, so one bad line is reported and the rest still load.
Reading is line by line: a stray quote never swallows the rest of the file.
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
PHONE_COLUMNS = ("phone", "phone_number", "number", "tel", "mobile", "전화번호", "电话")
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line of the file; a CSV's header is line 1
    fields: dict[str, str]
    error: str | None = None


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


class RowReader:
    """Iterates a list file's rows; `bytes_read` follows progress through the file."""

    def __init__(self, stream: BinaryIO, name: str, fmt: str) -> None:
        if fmt not in FORMATS:
            raise UserError(f"{name}: unknown list format {fmt!r} (csv or jsonl)")
        self.stream, self.name, self.fmt = stream, name, fmt
        self.bytes_read = 0
        self.columns: list[str] = []

    def _lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        for number, raw in enumerate(self.stream, start=1):
            self.bytes_read += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > MAX_LINE_BYTES:
                yield number, None, f"line longer than {MAX_LINE_BYTES // 1024} KB"
                continue
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield number, None, "not UTF-8 text"
                continue
            if text.strip():
                yield number, text, None

    def __iter__(self) -> Iterator[Row]:
        return self._csv() if self.fmt == "csv" else self._jsonl()

    def _csv(self) -> Iterator[Row]:
        lines = self._lines()
        header = next(((n, t) for n, t, e in lines if t is not None), None)
        if header is None:
            raise UserError(f"{self.name}: the file has no header row")
        delimiter = next((d for d in (",", "\t", ";") if d in header[1]), ",")
        try:
            self.columns = [c.strip().lower() for c in next(csv.reader([header[1]], delimiter=delimiter, strict=True))]
        except csv.Error as exc:
            raise UserError(f"{self.name}: line {header[0]}: cannot read the header: {exc}") from None
        if not any(c in PHONE_COLUMNS for c in self.columns):
            raise UserError(f"{self.name}: no phone column in the header (name one of: {', '.join(PHONE_COLUMNS)})")
        for number, text, error in lines:
            if text is None:
                yield Row(number, {}, error)
                continue
            try:
                values = next(csv.reader([text], delimiter=delimiter, strict=True))
            except csv.Error as exc:
                yield Row(number, {}, f"CSV quoting ({exc})")
                continue
            if len(values) > len(self.columns):
                yield Row(number, {}, f"{len(values)} fields, the header has {len(self.columns)}")
                continue
            yield Row(number, dict(zip(self.columns, (v.strip() for v in values), strict=False)))

    def _jsonl(self) -> Iterator[Row]:
        for number, text, error in self._lines():
            if text is None:
                yield Row(number, {}, error)
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Row(number, {}, f"not JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                yield Row(number, {}, "not a JSON object")
                continue
            yield Row(number, {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in record.items()})


def phone_field(fields: dict[str, str]) -> str:
    return next((fields[c] for c in PHONE_COLUMNS if fields.get(c)), "")
