"""Exports of an event's log: the positions as a GPX 1.1 track; checkpoints, days as two CSVs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from companion.core.models import DayTotal, Fix


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx_track(name: str, fixes: Iterable[Fix]) -> str:
    """A GPX 1.1 document with one track of every position, manual ones included, in time order.

    Manual checkpoints are also written as waypoints so other tools show what the crew entered.
    """
    fixes = sorted(fixes, key=lambda f: f.time)
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<gpx version="1.1" creator="companion" xmlns="http://www.topografix.com/GPX/1/1">\n')
    out.write(f"  <metadata><name>{escape(name)}</name></metadata>\n")
    for f in fixes:
        if f.is_manual:
            out.write(
                f'  <wpt lat="{f.lat:.7f}" lon="{f.lon:.7f}"><time>{_iso(f.time)}</time>'
                f"<name>{escape(f.label or 'checkpoint')}</name></wpt>\n"
            )
    out.write(f"  <trk><name>{escape(name)}</name><trkseg>\n")
    for f in fixes:
        ele = f"<ele>{f.alt_m:.1f}</ele>" if f.alt_m is not None else ""
        out.write(
            f'    <trkpt lat="{f.lat:.7f}" lon="{f.lon:.7f}">{ele}<time>{_iso(f.time)}</time>'
            f"<src>{escape(f.source)}</src></trkpt>\n"
        )
    out.write("  </trkseg></trk>\n</gpx>\n")
    return out.getvalue()


def entries_csv(fixes: Iterable[Fix], tz: ZoneInfo) -> str:
    """The manual checkpoints, oldest first: local time, label, km, lat, lon."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["time", "label", "km", "lat", "lon"])
    for f in sorted(fixes, key=lambda f: f.time):
        if f.is_manual:
            km = f"{f.km:.3f}" if f.km is not None else ""
            local = f.time.astimezone(tz).isoformat(timespec="seconds")
            w.writerow([local, f.label, km, f"{f.lat:.6f}", f"{f.lon:.6f}"])
    return out.getvalue()


def days_csv(days: Iterable[DayTotal]) -> str:
    """The daily totals, one row a day (moving_estimated_s: filled in at the planned speed)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["date", "km", "moving_s", "avg_kmh", "first_km", "last_km", "moving_estimated_s"])
    for d in days:
        avg = f"{d.avg_kmh:.2f}" if d.avg_kmh is not None else ""
        w.writerow(
            [
                d.date.isoformat(),
                f"{d.km:.3f}",
                f"{d.moving_s:.0f}",
                avg,
                f"{d.first_km:.3f}",
                f"{d.last_km:.3f}",
                f"{d.estimated_s:.0f}",
            ]
        )
    return out.getvalue()
