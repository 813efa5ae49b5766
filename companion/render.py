"""Text and JSON renderings of a Progress for the CLI (the dashboard shares the formatters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.durations import duration_text
from companion.core.eta import DEFAULT_WINDOW_S
from companion.core.models import DayTotal, Fix, Progress, TownAhead
from companion.core.route import Route
from companion.core.states import DUE, OVERDUE
from companion.core.tracker import Tracker
from companion.event import Event
from companion.render_deadlines import deadline_json, deadline_long, deadlines_short

# The recent pace (Progress.speed_avg_kmh) is the moving average over this much moving time.
RECENT_MIN = round(DEFAULT_WINDOW_S / 60)

BASIS_TEXT = {
    "recent": "recent moving average",
    "today": "today's average",
    "plan": "planned speed",
    "none": "no speed yet",
}


# The last feed state in the log: (logged at, state, detail, source), from
# Logbook.last_feed_status.
FeedLogged = tuple[datetime, str, str, str | None]
LOST_STATES = ("lost", "reconnecting", "failed")  # "failed": the feed's worker died


def hm(seconds: float | None) -> str:
    """A duration as "3h05" / "42 min" / "—"."""
    return duration_text(seconds)


def eta_words(t: TownAhead) -> str:
    """ "in 20 min", "due", "overdue by 25 min": never "in 0 min" for an ETA that has passed."""
    if t.state == DUE:
        return "due"
    if t.state == OVERDUE:
        return f"overdue by {hm(t.past_eta_s)}"
    return f"in {hm(t.eta_s)}"


def finished_words(p: Progress, tz: ZoneInfo) -> str | None:
    """ "FINISHED 416.0 km in 177h15 (Sun 22 Aug 18:30)", or None before the finish."""
    if p.finished_at is None:
        return None
    at = p.finished_at.astimezone(tz).strftime("%a %d %b %H:%M")
    return f"FINISHED {km(p.km_total)} km in {hm(p.elapsed_s_total)} ({at})"


def stopped_words(p: Progress, tz: ZoneInfo) -> str | None:
    """ "STOPPED 40 min (crew, since 12:00)", or None while moving."""
    if p.stopped_since is None:
        return None
    who = "crew" if p.stopped_by == "crew" else "GPS"
    since = clock(p.stopped_since, tz, p.now)
    return f"STOPPED {hm((p.now - p.stopped_since).total_seconds())} ({who}, since {since})"


def feed_lost_alert(
    state: str, detail: str, since: datetime | None, tz: ZoneInfo, now: datetime | None
) -> str | None:
    """ "FEED LOST since 12:00: lost (timeout)" while a feed is lost or reconnecting."""
    if state not in LOST_STATES:
        return None
    when = clock(since, tz, now) if since is not None else "—"
    return f"FEED LOST since {when}: {state} ({detail or 'no detail'})"


def moving(seconds: float, estimated_s: float = 0.0) -> str:
    """A moving time, "~" in front when part of it is estimated at the planned speed."""
    return f"~{hm(seconds)}" if estimated_s > 0 else hm(seconds)


ESTIMATED_NOTE = "~ partly estimated at the planned speed (no positions in between)"


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
    """ "Valsad (km 40.0) at 2021-08-18 18:40"; an entry with no name of its own (km 150 typed)
    is "km 150.0 at ...", never an empty label before the brackets."""
    where = f"km {fix.km:.1f}" if fix.km is not None else f"{fix.lat:.5f},{fix.lon:.5f}"
    label = fix.label.strip() if fix.label and not fix.label.startswith("km ") else ""
    when = fix.time.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"{label} ({where}) at {when}" if label else f"{where} at {when}"


TOWN_TO_TOWN_NOTE = (
    "Town to town: straight lines between the towns, km approximate between towns "
    "(a GPS position counts as on the route within a corridor that fits each leg)"
)


def route_info(r: Route) -> str:
    lines = [f"{r.name} — {r.length_km:.1f} km, {len(r.towns)} towns"]
    if r.description:
        lines += [f"  {d}" for d in r.description.splitlines()]
    if r.town_to_town:
        lines.append(TOWN_TO_TOWN_NOTE)
    lines.append(f"{'town':<28} {'km':>8} {'leg km':>8}")
    prev = 0.0
    for t in r.towns:
        also = f"  (also {', '.join(t.aliases)})" if t.aliases else ""
        lines.append(f"{t.name:<28} {t.km:>8.1f} {t.km - prev:>8.1f}{also}")
        prev = t.km
    if not r.towns or r.length_km - r.towns[-1].km > 0.2:
        lines.append(f"{r.finish_name:<28} {r.length_km:>8.1f} {r.length_km - prev:>8.1f}")
    lines += [f"warning: {w}" for w in r.warnings]  # what the file held and was left out
    return "\n".join(lines)


def _ahead_json(t: TownAhead, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "name": t.name,
        "km": round(t.km, 3),
        "km_to_go": round(t.km_to_go, 3),
        "eta": iso_local(t.eta_at, tz),
        "state": t.state,  # "ahead", "due", "overdue"
        "past_eta_s": _round(t.past_eta_s, 0),
        "eta_kind": t.eta_kind,  # which of `etas` "eta" is
        "etas": {
            e.kind: {
                "eta": iso_local(e.at, tz),
                "speed_kmh": _round(e.speed_kmh, 2),
                "basis": e.basis,
            }
            for e in t.etas
        },
        "deadlines": [deadline_json(c, tz) for c in t.deadlines],  # cut-off, target
    }


def main_basis(t: TownAhead, p: Progress) -> str:
    """What the main ETA assumes, in words: the model's basis, or the recent speed's."""
    main = t.eta_of(t.eta_kind)
    if main is not None and t.eta_kind != "recent":
        return main.basis
    return BASIS_TEXT.get(p.eta_speed_basis, "")


def eta_spread(t: TownAhead, tz: ZoneInfo, now: datetime) -> str:
    """The other reckonings beside the main one: "recent pace 13:40, plan 14:50"."""
    names = {"rhythm": "rhythm", "recent": "recent pace", "plan": "plan"}
    return ", ".join(
        f"{names.get(e.kind, e.kind)} {clock(e.at, tz, now)}"
        for e in t.etas
        if e.kind != t.eta_kind and e.at is not None
    )


def eta_range(t: TownAhead, tz: ZoneInfo, now: datetime) -> str:
    """The spread of the reckonings as "13:40-14:50", "" when they agree to the minute."""
    ats = sorted(e.at for e in t.etas if e.at is not None)
    if len(ats) < 2:
        return ""
    lo, hi = clock(ats[0], tz, now), clock(ats[-1], tz, now)
    return "" if lo == hi else f"{lo}-{hi}"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _day_json(d: DayTotal) -> dict[str, Any]:
    avg = d.avg_kmh
    return {
        "date": d.date.isoformat(),
        "km": round(d.km, 3),
        "moving_s": round(d.moving_s, 1),
        "moving_estimated_s": round(d.estimated_s, 1),
        "avg_kmh": round(avg, 2) if avg is not None else None,
    }


def status_alerts(p: Progress, feed: FeedLogged | None, tz: ZoneInfo) -> list[str]:
    """The alerts `status` shows: the tracker's and, from the log, a feed that was lost."""
    alerts = list(p.alerts)
    if feed is not None and (lost := feed_lost_alert(feed[1], feed[2], feed[0], tz, p.now)):
        alerts.append(lost)
    return alerts


def status_json(event: Event, p: Progress, feed: FeedLogged | None = None) -> dict[str, Any]:
    """Everything the screen shows, as JSON. Times are ISO 8601 in the event's timezone,
    durations in seconds; `feed` is the last feed state in the log."""
    tz = event.zone
    nxt = None
    if p.next_town is not None:
        nxt = _ahead_json(p.next_town, tz)
        sp = p.next_town.speed_kmh
        nxt["speed_kmh"] = round(sp, 2) if sp is not None else None
    last = entry = None
    if (f := p.last_fix) is not None:
        last = {"time": iso_local(f.time, tz), "source": f.source}
        entry = {
            "time": iso_local(f.time, tz),
            "km": round(f.km if f.km is not None else p.km_total, 3),
            "label": f.label,
            "source": f.source,
            "mark": f.mark or None,
            "age_s": _round(p.last_fix_age_s, 0),
        }
    finished = stopped = no_entry = None
    if p.finished_at is not None:
        finished = {"at": iso_local(p.finished_at, tz), "elapsed_s": round(p.elapsed_s_total)}
    if p.stopped_since is not None:
        for_s = round((p.now - p.stopped_since).total_seconds())
        stopped = {"since": iso_local(p.stopped_since, tz), "by": p.stopped_by, "for_s": for_s}
    if p.no_entry_s is not None and p.last_fix is not None:
        no_entry = {"since": iso_local(p.last_fix.time, tz), "for_s": round(p.no_entry_s)}
    feed_doc = None
    if feed is not None:
        when, state, detail, source = feed
        since = iso_local(when, tz)
        feed_doc = {"state": state, "detail": detail, "source": source, "since": since}
    return {
        "event": event.name,
        "now": iso_local(p.now, tz),
        "day_number": p.day_number,
        "route_km": round(p.route_km, 3),
        "km_total": round(p.km_total, 3),
        "km_today": round(p.km_today, 3),
        "km_remaining": round(p.km_remaining, 3),
        "next_town": nxt,
        "towns_ahead": [_ahead_json(t, tz) for t in p.towns_ahead],
        "eta_basis": {
            "basis": p.eta_speed_basis,
            "speed_kmh": _round(p.eta_speed_kmh, 2),
            "text": BASIS_TEXT.get(p.eta_speed_basis, ""),
        },
        "speed_now_kmh": _round(p.speed_now_kmh, 2),
        "speed_avg_kmh": _round(p.speed_avg_kmh, 2),  # kept: the same as speed_recent_kmh
        # The two averages by their names: the last 30 min of moving, and today's moving.
        "speed_recent_kmh": _round(p.speed_avg_kmh, 2),
        "speed_today_kmh": _round(p.speed_today_kmh, 2),
        "moving_s_today": round(p.moving_s_today, 1),
        "elapsed_s_today": round(p.elapsed_s_today, 1),
        "moving_s_total": round(p.moving_s_total, 1),
        # Of those, filled in at the planned speed across long gaps (not measured).
        "moving_estimated_s_today": round(p.estimated_s_today, 1),
        "moving_estimated_s_total": round(p.estimated_s_total, 1),
        "elapsed_s_total": round(p.elapsed_s_total, 1),
        "days": [_day_json(d) for d in p.days],
        "finished": finished,
        "stopped": stopped,
        "no_entry": no_entry,
        "off_route_m": _round(p.off_route_m, 0) if p.off_route else None,
        "alerts": status_alerts(p, feed, tz),
        "last_fix": last,
        "last_entry": entry,
        "feed": feed_doc,
    }


def status_text(event: Event, p: Progress, feed: FeedLogged | None = None) -> str:
    tz = event.zone
    now = p.now
    day = f"Day {p.day_number}" if p.day_number else "before the start"
    lines = [f"{event.name} — {event.athlete}  {now.astimezone(tz):%Y-%m-%d %H:%M} {day}"]
    lines += [s for s in (finished_words(p, tz), stopped_words(p, tz)) if s]
    lines.append(
        f"today {km(p.km_today)} km   total {km(p.km_total)} of {km(p.route_km)} km   "
        f"remaining {km(p.km_remaining)} km"
    )
    if p.next_town is not None:
        n = p.next_town
        lines.append(
            f"next  {n.name}: {km(n.km_to_go)} km, ETA {clock(n.eta_at, tz, now)} "
            f"({eta_words(n)}) at {kmh(n.speed_kmh)}, {main_basis(n, p)}"
        )
        if spread := eta_spread(n, tz, now):
            lines.append(f"      also: {spread}")
        lines += [f"      {deadline_long(c, tz, now)}" for c in n.deadlines]
    shown = {t.km for t in p.towns_ahead[:6]}  # the finish's row says it short
    if (fin := p.finish) is not None and fin.deadlines and fin.km not in shown:
        lines += [f"      {fin.name}: {deadline_long(c, tz, now)}" for c in fin.deadlines]
    lines.append(
        f"speed now {kmh(p.speed_now_kmh)}, recent {kmh(p.speed_avg_kmh)} "
        f"(last {RECENT_MIN} min moving), today avg {kmh(p.speed_today_kmh)}; "
        f"moving {moving(p.moving_s_today, p.estimated_s_today)} of {hm(p.elapsed_s_today)} today"
    )
    for t in p.towns_ahead[1:6]:
        state = f"  {eta_words(t)}" if t.state != "ahead" else ""
        cut = f"  {deadlines_short(t, tz, now)}" if t.deadlines else ""
        lines.append(
            f"      {t.name:<26} {km(t.km_to_go):>7} km  {clock(t.eta_at, tz, now)}{state}{cut}"
        )
    for d in p.days:
        lines.append(
            f"{d.date}  {km(d.km):>7} km  moving {moving(d.moving_s, d.estimated_s):>6}  "
            f"avg {kmh(d.avg_kmh)}"
        )
    if any(d.estimated_s > 0 for d in p.days):
        lines.append(ESTIMATED_NOTE)
    if p.last_fix is not None:
        lines.append(
            f"last position {clock(p.last_fix.time, tz, now)} ({p.last_fix.source}), "
            f"{hm(p.last_fix_age_s)} ago"
        )
    if feed is not None:
        when, state, _detail, source = feed
        lines.append(f"feed  {source or '?'}: {state} since {clock(when, tz, now)} (as logged)")
    lines += [f"! {a}" for a in status_alerts(p, feed, tz)]
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
    p = tracker.progress(now)
    # The day going on, which a rider-day past midnight keeps (core/riderdays.py).
    today = p.today or now.astimezone(tz).date()
    if not day_text:
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
    # Both to a tenth: "1,004.4 of 1,004 km" read as more done than there is.
    done = f"{km(total)} of {km(tracker.route.length_km)} km done"
    if p.finished_at is not None and p.finished_at.astimezone(tz).date() == chosen.date:
        at = p.finished_at.astimezone(tz).strftime("%H:%M")
        end = (
            f"{done}. FINISHED at {where} at {at}: {km(p.km_total)} km in "
            f"{hm(p.elapsed_s_total)}."
        )
    elif chosen.date != today:
        end = f"{done}, {tracker.route.length_km - total:.1f} km to go. Ended the day at {where}."
    else:
        end = f"{done}, {tracker.route.length_km - total:.1f} km to go. {_now_words(p, where, tz)}"
    return (
        f"{event.name} — Day {n} ({chosen.date:%a %d %b %Y}): {who} covered "
        f"{chosen.km:.1f} km in {moving(chosen.moving_s, chosen.estimated_s)} moving"
        f"{f' (avg {chosen.avg_kmh:.1f} km/h)' if chosen.avg_kmh else ''}. {end}"
    )


def _now_words(p: Progress, where: str, tz: ZoneInfo) -> str:
    """Where the athlete is today, as the screen says it: stopped, or the last position."""
    if p.stopped_since is not None:
        stopped = hm((p.now - p.stopped_since).total_seconds())
        return f"Stopped at {where} for {stopped} (since {clock(p.stopped_since, tz, p.now)})."
    last = p.last_fix
    text = f"Last position at {clock(last.time, tz, p.now)}: {where}." if last else ""
    if p.no_entry_s is not None:
        text += f" No entry for {hm(p.no_entry_s)}."
    return text


def _where(route: Route, at_km: float) -> str:
    """ "Vadodara" when at a town, else "km 171.2, 6.3 km after Valsad"."""
    passed = [t for t in route.towns if t.km <= at_km + 0.5]
    if passed and at_km - passed[-1].km <= 0.5:
        return passed[-1].name
    if passed:
        return f"km {at_km:.1f}, {at_km - passed[-1].km:.1f} km after {passed[-1].name}"
    return f"km {at_km:.1f}"
