"""Dates as pages write them: ISO 8601, RFC 2822, local formats and "2 hours ago".

A date with an offset keeps it; a date without one is taken as UTC, the only honest default
when a page does not say. Nothing later than `now` is accepted: a future date is a template
or a clock error, not a publication date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv janeiro enero ene gennaio gen januar jänner januari januar "
        "styczeń stycznia января январь ocak",
        "february feb février févr fevereiro fev febrero febbraio februar februari lutego "
        "февраля февраль şubat",
        "march mar mars março marzo märz maart marca марта март mart",
        "april apr avril avr abril aprile kwietnia апреля апрель nisan",
        "may mai maio mayo maggio mei maja мая май mayıs",
        "june jun juin junho junio giugno juni czerwca июня июнь haziran",
        "july jul juillet juil julho julio luglio juli lipca июля июль temmuz",
        "august aug août agosto augustus sierpnia августа август ağustos",
        "september sep sept septembre setembro septiembre settembre septembris września "
        "сентября сентябрь eylül",
        "october oct octobre outubro out octubre ottobre ott oktober okt października "
        "октября октябрь ekim",
        "november nov novembre novembro noviembre noviembre listopada ноября ноябрь kasım",
        "december dec décembre déc dezembro dez diciembre dic dicembre dezember desember "
        "grudnia декабря декабрь aralık",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH_NAME = r"([^\W\d_]{3,12})\.?"
# 7 avril 2021, 7. April 2021, 19 de novembro de 2019, 7 апреля 2021 г.
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?" + _MONTH_NAME + r"\s+(?:de\s+)?(\d{4})\b",
    re.IGNORECASE,
)
# April 7, 2021 / Nov. 19, 2019
_MONTH_DAY_YEAR = re.compile(
    r"\b" + _MONTH_NAME + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE
)
# 07.04.2021, 07/04/2021 (day first: the international order), 2021/04/07
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")
_NUMERIC_YMD = re.compile(r"\b(\d{4})[./-](\d{1,2})[./-](\d{1,2})\b")
_CLOCK = re.compile(r"\b(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)

_UNITS = {
    "second": "seconds sec secs second seconde secondes segundo segundos secondo secondi "
    "sekunde sekunden",
    "minute": "minute minutes min mins minuto minutos minuti minuten",
    "hour": "hour hours hr hrs heure heures hora horas ora ore stunde stunden",
    "day": "day days jour jours día dias días dia giorno giorni tag tagen",
    "week": "week weeks semaine semaines semana semanas settimana settimane woche wochen",
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words.split()}
_RELATIVE = re.compile(
    r"(?:\b(?:il\s+y\s+a|hace|há|vor)\s+)?\b(\d+|an?|one|un|une|uno|una|um|uma|einer?|einem)\s+"
    r"([^\W\d_]+)(?:\s+(ago|fa))?\b",
    re.IGNORECASE,
)
_RELATIVE_LEAD = re.compile(r"\b(il\s+y\s+a|hace|há|vor)\s*$", re.IGNORECASE)
_YESTERDAY = re.compile(r"\b(yesterday|hier|ayer|ontem|ieri|gestern)\b", re.IGNORECASE)
_TODAY = re.compile(r"\b(today|just\s+now|aujourd'hui|hoy|hoje|oggi|heute)\b", re.IGNORECASE)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: str) -> datetime | None:
    text = value.strip()
    if len(text) < 8 or not text[:4].isdigit():
        return None
    text = re.sub(r"\s*(Z|UTC|GMT)$", "+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0100 -> +01:00
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # nanoseconds
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        pass
    if match := _NUMERIC_YMD.match(text):
        return _from_parts(int(match[1]), int(match[2]), int(match[3]), text)
    return None


def _from_parts(year: int, month: int, day: int, text: str) -> datetime | None:
    try:
        date = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    if clock := _CLOCK.search(text):
        hour, minute = int(clock[1]), int(clock[2])
        second = int(clock[3] or 0)
        meridiem = (clock[4] or "").lower().replace(".", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            date = date.replace(hour=hour, minute=minute, second=second)
    return date


def _local(text: str) -> datetime | None:
    if match := _DAY_MONTH_YEAR.search(text):
        month = _MONTHS.get(match[2].casefold())
        if month:
            return _from_parts(int(match[3]), month, int(match[1]), text[match.end() :])
    if match := _MONTH_DAY_YEAR.search(text):
        month = _MONTHS.get(match[1].casefold())
        if month:
            return _from_parts(int(match[3]), month, int(match[2]), text[match.end() :])
    if match := _NUMERIC_YMD.search(text):
        return _from_parts(int(match[1]), int(match[2]), int(match[3]), text[match.end() :])
    if match := _NUMERIC_DMY.search(text):
        day, month = int(match[1]), int(match[2])
        if month > 12 >= day:  # 04/07/2021 can only be month first when the "month" is > 12
            day, month = month, day
        return _from_parts(int(match[3]), month, day, text[match.end() :])
    return None


def date_span(text: str) -> tuple[int, int] | None:
    """Where the first written-out or numeric date of a text is, if it has one."""
    for pattern, month_group in (
        (_DAY_MONTH_YEAR, 2),
        (_MONTH_DAY_YEAR, 1),
        (_NUMERIC_YMD, 0),
        (_NUMERIC_DMY, 0),
    ):
        for match in pattern.finditer(text):
            if month_group and match[month_group].casefold() not in _MONTHS:
                continue
            return match.span()
    return None


def relative_date(text: str, now: datetime) -> datetime | None:
    """'2 hours ago', 'il y a 3 jours', 'vor 2 Stunden', 'yesterday', relative to `now`."""
    for match in _RELATIVE.finditer(text):
        unit = _UNIT_OF.get(match[2].casefold())
        if unit is None:
            continue
        lead = _RELATIVE_LEAD.search(text[: match.start(1)]) is not None
        if not (match[3] or lead):
            continue
        amount = int(match[1]) if match[1].isdigit() else 1
        return now - timedelta(**{unit + "s": amount})
    if _YESTERDAY.search(text):
        return now - timedelta(days=1)
    if _TODAY.search(text):
        return now
    return None


def parse_date(value: str | None, now: datetime, *, relative: bool = False) -> datetime | None:
    """A timezone-aware datetime from a date string, or None if it has none or is in the future.

    With `relative`, phrases such as "2 hours ago" count too (for visible page text; metadata
    fields are absolute).
    """
    if not value or not value.strip():
        return None
    text = " ".join(value.split())[:200]
    parsed = _iso(text)
    if parsed is None:
        try:
            parsed = _aware(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        parsed = _local(text)
    if parsed is None and relative:
        parsed = relative_date(text, now)
    if parsed is None or parsed.year < 1990:
        return None
    return parsed if parsed <= _aware(now) + timedelta(minutes=5) else None


def fixed_offset(hours: float) -> timezone:
    """A timezone at a fixed offset from UTC (for tests and callers that know the zone)."""
    return timezone(timedelta(hours=hours))
