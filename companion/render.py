"""Text and JSON renderings of a Progress for the CLI (the dashboard shares the formatters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.models import DayTotal, Fix, Progress, TownAhead
from companion.core.route import Route
from companion.core.tracker import Tracker
from companion.event import Event

BASIS_TEXT = {
    "recent": "recent moving average",
    "today": "today's average",
    "plan": "planned speed",
    "none": "no speed yet",
}


def hm(seconds: float | None) -> str:
    """A duration as "3h05" / "42 min" / "—"."""
    if seconds is None:
        return "—"
    m = round(seconds / 60.0)
    if m < 60:
        return f"{m} min"
    return f"{m // 60}h{m % 60:02d}"


def km(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def kmh(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} km/h"


def clock(t: datetime | None, tz: ZoneInfo, now: datetime | None = None) -> str:
    """Local clock time; the weekday is added when it is not today."""
    if t is None:
        return "—"
    local = t.astimezone(tz)
    if now is not None and local.date() != now.astimezone(tz).date():
        return local.strftime("%a %H:%M")
    return local.strftime("%H:%M")


def iso_local(t: datetime | None, tz: ZoneInfo) -> str | None:
    return None if t is None else t.astimezone(tz).isoformat(timespec="seconds")


def logged_line(fix: Fix, tz: ZoneInfo) -> str:
    where = f"km {fix.km:.1f}" if fix.km is not None else f"{fix.lat:.5f},{fix.lon:.5f}"
    label = f"{fix.label} " if fix.label and not fix.label.startswith("km ") else ""
    when = fix.time.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"{label}({where}) at {when}"


def route_info(r: Route) -> str:
    lines = [f"{r.name} — {r.length_km:.1f} km, {len(r.towns)} towns"]
    if r.description:
        lines += [f"  {d}" for d in r.description.splitlines()]
    lines.append(f"{'town':<28} {'km':>8} {'leg km':>8}")
    prev = 0.0
    for t in r.towns:
        lines.append(f"{t.name:<28} {t.km:>8.1f} {t.km - prev:>8.1f}")
        prev = t.km
    if not r.towns or r.length_km - r.towns[-1].km > 0.2:
        lines.append(f"{r.finish_name:<28} {r.length_km:>8.1f} {r.length_km - prev:>8.1f}")
    return "\n".join(lines)


def _ahead_json(t: TownAhead, tz: ZoneInfo) -> dict[str, Any]:
    return {"name": t.name, "km_to_go": round(t.km_to_go, 3), "eta": iso_local(t.eta_at, tz)}


def _day_json(d: DayTotal) -> dict[str, Any]:
    avg = d.avg_kmh
    return {
        "date": d.date.isoformat(),
        "km": round(d.km, 3),
        "moving_s": round(d.moving_s, 1),
        "avg_kmh": round(avg, 2) if avg is not None else None,
    }


def status_json(event: Event, p: Progress) -> dict[str, Any]:
    tz = event.zone
    nxt = None
    if p.next_town is not None:
        nxt = _ahead_json(p.next_town, tz)
        sp = p.next_town.speed_kmh
        nxt["speed_kmh"] = round(sp, 2) if sp is not None else None
    last = None
    if p.last_fix is not None:
        last = {"time": iso_local(p.last_fix.time, tz), "source": p.last_fix.source}
    return {
        "event": event.name,
        "km_total": round(p.km_total, 3),
        "km_today": round(p.km_today, 3),
        "km_remaining": round(p.km_remaining, 3),
        "next_town": nxt,
        "towns_ahead": [_ahead_json(t, tz) for t in p.towns_ahead],
        "days": [_day_json(d) for d in p.days],
        "last_fix": last,
    }


def status_text(event: Event, p: Progress) -> str:
    tz = event.zone
    now = p.now
    day = f"Day {p.day_number}" if p.day_number else "before the start"
    lines = [
        f"{event.name} — {event.athlete}  {now.astimezone(tz):%Y-%m-%d %H:%M} {day}",
        f"today {km(p.km_today)} km   total {km(p.km_total)} of {km(p.route_km)} km   "
        f"remaining {km(p.km_remaining)} km",
    ]
    if p.next_town is not None:
        n = p.next_town
        lines.append(
            f"next  {n.name}: {km(n.km_to_go)} km, ETA {clock(n.eta_at, tz, now)} "
            f"(in {hm(n.eta_s)}) at {kmh(n.speed_kmh)}, {BASIS_TEXT[p.eta_speed_basis]}"
        )
    lines.append(
        f"speed now {kmh(p.speed_now_kmh)}, moving avg {kmh(p.speed_avg_kmh)}; "
        f"moving {hm(p.moving_s_today)} of {hm(p.elapsed_s_today)} today"
    )
    for t in p.towns_ahead[1:6]:
        lines.append(f"      {t.name:<26} {km(t.km_to_go):>7} km  {clock(t.eta_at, tz, now)}")
    for d in p.days:
        lines.append(
            f"{d.date}  {km(d.km):>7} km  moving {hm(d.moving_s):>6}  avg {kmh(d.avg_kmh)}"
        )
    if p.last_fix is not None:
        lines.append(
            f"last position {clock(p.last_fix.time, tz, now)} ({p.last_fix.source}), "
            f"{hm(p.last_fix_age_s)} ago"
        )
    lines += [f"! {a}" for a in p.alerts]
    return "\n".join(lines)


def summary(event: Event, tracker: Tracker, now: datetime, day_text: str | None) -> str:
    """A message for the crew's group: day N, km today and total, moving time, where they are."""
    from companion.core.models import PositionError

    tz = event.zone
    days = tracker.day_totals()
    if not days:
        return f"{event.name}: nothing logged yet."
    if day_text:
        try:
            want = date.fromisoformat(day_text)
        except ValueError:
            raise PositionError(f"--day {day_text!r}: use YYYY-MM-DD") from None
    else:
        today = now.astimezone(tz).date()
        want = today if any(d.date == today for d in days) else days[-1].date
    chosen = next((d for d in days if d.date == want), None)
    if chosen is None:
        logged = ", ".join(d.date.isoformat() for d in days)
        raise PositionError(f"--day {want}: nothing logged that day (days logged: {logged})")
    origin = event.start or days[0].date
    origin_date = origin.astimezone(tz).date() if isinstance(origin, datetime) else origin
    n = (chosen.date - origin_date).days + 1
    total = chosen.last_km
    where = _where(tracker.route, total)
    who = event.athlete or "The athlete"
    return (
        f"{event.name} — Day {n} ({chosen.date:%a %d %b %Y}): {who} covered "
        f"{chosen.km:.1f} km in {hm(chosen.moving_s)} moving"
        f"{f' (avg {chosen.avg_kmh:.1f} km/h)' if chosen.avg_kmh else ''}. "
        f"{total:.1f} of {tracker.route.length_km:.0f} km done, "
        f"{tracker.route.length_km - total:.1f} km to go. Stopped at {where}."
    )


def _where(route: Route, at_km: float) -> str:
    """ "Vadodara" when at a town, else "km 171.2, 6.3 km after Valsad"."""
    passed = [t for t in route.towns if t.km <= at_km + 0.5]
    if passed and at_km - passed[-1].km <= 0.5:
        return passed[-1].name
    if passed:
        return f"km {at_km:.1f}, {at_km - passed[-1].km:.1f} km after {passed[-1].name}"
    return f"km {at_km:.1f}"
