"""Date strings as pages write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from entente.ingest.dates import fixed_offset, parse_date, relative_date
from entente.ingest.metadata import url_date

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-12T09:30:00+02:00", datetime(2024, 3, 12, 9, 30, tzinfo=fixed_offset(2))),
        ("2024-03-12T09:30:00.123456789Z", datetime(2024, 3, 12, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2024-03-12T09:30:00-0500", datetime(2024, 3, 12, 9, 30, tzinfo=fixed_offset(-5))),
        ("2024-03-12", datetime(2024, 3, 12, tzinfo=UTC)),
        ("Tue, 12 Mar 2024 09:30:00 +0100", datetime(2024, 3, 12, 9, 30, tzinfo=fixed_offset(1))),
        ("7 avril 2021", datetime(2021, 4, 7, tzinfo=UTC)),
        ("Publié le 7 avril 2021 à 14h30", datetime(2021, 4, 7, 14, 30, tzinfo=UTC)),
        ("7. April 2021", datetime(2021, 4, 7, tzinfo=UTC)),
        ("19 de novembro de 2019", datetime(2019, 11, 19, tzinfo=UTC)),
        ("7 апреля 2021", datetime(2021, 4, 7, tzinfo=UTC)),
        ("07.04.2021", datetime(2021, 4, 7, tzinfo=UTC)),
        ("07/04/2021 18:05", datetime(2021, 4, 7, 18, 5, tzinfo=UTC)),
        ("04/17/2021", datetime(2021, 4, 17, tzinfo=UTC)),
        ("2021/04/07", datetime(2021, 4, 7, tzinfo=UTC)),
        ("Nov. 19, 2019 5:45 pm", datetime(2019, 11, 19, 17, 45, tzinfo=UTC)),
    ],
)
def test_absolute_formats(text: str, expected: datetime) -> None:
    parsed = parse_date(text, NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("2 hours ago", timedelta(hours=2)),
        ("Updated 45 minutes ago", timedelta(minutes=45)),
        ("an hour ago", timedelta(hours=1)),
        ("3 days ago", timedelta(days=3)),
        ("il y a 3 heures", timedelta(hours=3)),
        ("vor 2 Stunden", timedelta(hours=2)),
        ("hace 5 minutos", timedelta(minutes=5)),
        ("há 2 dias", timedelta(days=2)),
        ("2 ore fa", timedelta(hours=2)),
        ("yesterday", timedelta(days=1)),
    ],
)
def test_relative_dates_count_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_date(text, NOW, relative=True) == NOW - ago


def test_relative_dates_need_the_flag_and_a_marker() -> None:
    assert parse_date("2 hours ago", NOW) is None
    assert relative_date("2 hours of talks", NOW) is None


def test_future_dates_are_refused() -> None:
    assert parse_date("2031-01-01T00:00:00Z", NOW) is None
    assert parse_date("2025-01-02", NOW) is None
    assert parse_date("2025-01-01T11:00:00-05:00", NOW) is None  # 16:00 UTC, after noon
    assert parse_date("2025-01-01T11:00:00Z", NOW) is not None


@pytest.mark.parametrize("text", ["", "   ", "soon", "31.02.2021", "1875-03-01", "n/a"])
def test_nonsense_gives_none(text: str) -> None:
    assert parse_date(text, NOW) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example.com/2019/11/19/story-slug", datetime(2019, 11, 19, tzinfo=UTC)),
        ("https://a.example.com/news/20191119/story", datetime(2019, 11, 19, tzinfo=UTC)),
        ("https://a.example.com/story-2019-11-19.html", datetime(2019, 11, 19, tzinfo=UTC)),
        ("https://a.example.com/news/12345678/story", None),
        ("https://a.example.com/2031/01/01/story", None),
    ],
)
def test_url_dates(url: str, expected: datetime | None) -> None:
    assert url_date(url, NOW) == expected
