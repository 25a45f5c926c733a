"""Merging busy periods from Relais and CalDAV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.calendar.domain.busy import BusyPeriod, Source, clip, merge

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)


def period(hours: int, source: Source, length: int = 1) -> BusyPeriod:
    start = T0 + timedelta(hours=hours)
    return BusyPeriod(start, start + timedelta(hours=length), source)


def test_merge_orders_and_drops_caldav_copies_of_relais_events() -> None:
    relais = [period(2, Source.RELAIS), period(0, Source.RELAIS)]
    caldav = [period(2, Source.CALDAV), period(1, Source.CALDAV)]
    merged = merge(relais, caldav, {"a@relais", "b@relais"}, ["a@relais", "perso-1"])
    assert merged == [period(0, Source.RELAIS), period(1, Source.CALDAV),
                      period(2, Source.RELAIS)]


def test_clip_keeps_overlaps_only() -> None:
    periods = [period(0, Source.RELAIS), period(3, Source.RELAIS)]
    assert clip(periods, T0 + timedelta(minutes=30), T0 + timedelta(hours=3)) == [periods[0]]
