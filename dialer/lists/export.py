"""Contacts out to CSV, safe to open in a spreadsheet.

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by
spreadsheet programs; such cells get a leading apostrophe. Phone numbers start with
"+", so they too are written as text that way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import Contact

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("id", "phone", "name", "region", "timezone", "status", "attempts", "last_outcome", "next_attempt_at")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Iterable[object]], header: Iterable[str], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return count


def export_contacts(session: Session, campaign_id: int, out: TextIO) -> int:
    query = (
        select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id).execution_options(yield_per=5000)
    )
    rows = (
        (c.id, c.phone_e164, c.name, c.region, c.timezone, c.status, c.attempts, c.last_outcome, c.next_attempt_at)
        for c in session.scalars(query)
    )
    return write_csv(rows, COLUMNS, out)
