"""Parsing the dates and periods curated files write, into the literals the graph stores."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import XSD

from azkg.errors import DateFormatError

YEAR = re.compile(r"^\d{4}$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else _fail(text)
    except ValueError:
        raise DateFormatError(f"'{text}' is not a date; write YYYY-MM-DD, such as 2026-01-27") from None


def parse_timestamp(text: str) -> Literal:
    """A date (xsd:date) or a date-time with its offset (xsd:dateTime), as a source states it."""
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return Literal(parse_date(text).isoformat(), datatype=XSD.date)
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DateFormatError(
            f"'{text}' is not a date or date-time; write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+hh:mm"
        ) from None
    if stamp.tzinfo is None:
        raise DateFormatError(f"'{text}' has no UTC offset; add one, such as +04:00, or give the date alone")
    return Literal(stamp.isoformat(), datatype=XSD.dateTime)


def parse_year_or_date(text: str) -> Literal:
    """'2023' (xsd:gYear) or '2023-05-01' (xsd:date): the precision the source gives."""
    if YEAR.match(text):
        return Literal(text, datatype=XSD.gYear)
    return Literal(parse_date(text).isoformat(), datatype=XSD.date)


@dataclass(frozen=True)
class Period:
    text: str
    start: dt.date
    end: dt.date
    years: tuple[str, ...]


def parse_period(text: str) -> Period:
    """A year (2024), a quarter (2025-Q1) or an interval of those (2018/2024)."""
    parts = text.split("/")
    if len(parts) > 2 or not all(parts):
        raise DateFormatError(f"'{text}' is not a period; write 2024, 2025-Q1 or 2018/2024")
    first, last = _bounds(parts[0]), _bounds(parts[-1])
    if last[1] < first[0]:
        raise DateFormatError(f"'{text}' ends before it starts")
    years = tuple(dict.fromkeys(p[:4] for p in parts))
    return Period(text, first[0], last[1], years)


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    if YEAR.match(text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    quarter = QUARTER.match(text)
    if quarter:
        year, q = int(quarter[1]), int(quarter[2])
        last_month = q * 3
        return dt.date(year, last_month - 2, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    raise DateFormatError(f"'{text}' is not a period; write 2024, 2025-Q1 or 2018/2024")


def _fail(text: str) -> dt.date:
    raise ValueError(text)
