from __future__ import annotations

import datetime as dt

import pytest

from azkg.build.dates import DateFormatError, parse_date, parse_period, parse_timestamp, parse_year_or_date


def test_periods() -> None:
    assert (parse_period("2024").start, parse_period("2024").end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    quarter = parse_period("2025-Q1")
    assert (quarter.start, quarter.end, quarter.years) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31), ("2025",))
    span = parse_period("2018/2024")
    assert (span.start, span.end, span.years) == (dt.date(2018, 1, 1), dt.date(2024, 12, 31), ("2018", "2024"))


@pytest.mark.parametrize("bad", ["2018-2024", "2024/2018", "2025-Q5", "24", "2018//2024", "/2024"])
def test_bad_periods(bad: str) -> None:
    with pytest.raises(DateFormatError):
        parse_period(bad)


def test_dates_and_timestamps() -> None:
    assert parse_date("2026-01-27") == dt.date(2026, 1, 27)
    assert str(parse_timestamp("2026-01-27T11:42:00+04:00")) == "2026-01-27T11:42:00+04:00"
    assert parse_year_or_date("2023").datatype.endswith("#gYear")
    with pytest.raises(DateFormatError, match="no UTC offset"):
        parse_timestamp("2026-01-27T11:42:00")
    for bad in ["2026-1-27", "27.01.2026", "2026-02-30"]:
        with pytest.raises(DateFormatError):
            parse_date(bad)
