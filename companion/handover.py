"""The shift handover card: what the incoming crew needs to know, as text to paste and as JSON.

Since the shift began (the last handover logged, else the start of today, or `--since`): km,
time on the move, the stops with their tags, what was eaten and drunk, the alerts raised, the
last entry. Now: where, the next towns with their ETAs and cut-offs, what is due, the outgoing
shift's note. "On the move" is the moving time the tracker credited within the shift (the same
as the days table's, to about a minute; the last minute of a GPS feed is not judged yet).

"Alerts raised" are the ones that can be worked out again from the log: a meal or drink later
than its interval, a GPS that went quiet (STALE) or a feed that was lost and came back
(shift_alerts.py), and every alert standing now. An OFF ROUTE that came and went is not listed
(no fix keeps that it was off the route).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from companion import render
from companion.core.feeding import Fed, Timer, timer_text
from companion.core.models import Progress
from companion.core.stops import Stop
from companion.crew import Crew, Freshness
from companion.crewlog import CrewEntries, HandoverNote, clean_note
from companion.shift_alerts import came_and_went

# The towns ahead on the card.
TOWNS_ON_CARD = 3


@dataclass(frozen=True, slots=True)
class Card:
    now: datetime
    since: datetime
    since_why: str  # "last handover", "start of today", "--since"
    km_since: float
    moving_s: float
    elapsed_s: float
    stops: tuple[Stop, ...]
    fed: tuple[Fed, ...]
    alerts: tuple[str, ...]
    last_entry: str
    freshness: Freshness
    progress: Progress
    timers: tuple[Timer, ...]
    note: str  # the outgoing shift's note ("" without one)
    # The handover this shift began with (its note is what the last shift said), if any.
    began_with: HandoverNote | None = None


def last_handover(entries: CrewEntries, now: datetime) -> HandoverNote | None:
    before = [h for h in entries.handovers if h.at <= now]
    return max(before, key=lambda h: (h.at, h.entry_id or 0)) if before else None


def shift_start(entries: CrewEntries, now: datetime, tz: ZoneInfo) -> tuple[datetime, str]:
    """Where a shift began by default: the last handover logged before `now`, else local
    midnight of today."""
    last = last_handover(entries, now)
    if last is not None:
        return last.at, "last handover"
    today = now.astimezone(tz).date()
    return datetime.combine(today, time(0), tz), "start of today"


def build(
    crew: Crew, now: datetime, since: datetime | None = None, note: str = ""
) -> Card:
    """The card at `now` (`since`: the shift's start, else `shift_start`)."""
    session = crew.session
    tz = session.event.zone
    note = clean_note(note)  # refused before anything is logged
    entries = crew.entries()
    if since is not None:
        why = "--since"
    else:
        since, why = shift_start(entries, now, tz)
        began = crew.began()
        if began is not None and since < began <= now:
            since, why = began, "start of the event"  # today's first shift began with it
    p = session.progress(now)
    stops = crew.stops(now, entries)
    in_shift = tuple(s for s in stops if s.start <= now and (s.end is None or s.end >= since))
    fed = tuple(f for f in entries.fed if since <= f.at <= now)
    ts = crew.timers(now, p, entries, stops)
    km_then = _km_at(crew, since)
    elapsed = max((now - since).total_seconds(), 0.0)
    late = _late_feeds(crew, entries.fed, stops, since, now, crew.day_began(p), tz)
    gone = came_and_went(  # from the GPS fix before the shift: its gaps are all it reads
        session.tracker.gps_times_from(since), session.logbook.entries(without_gps=True),
        since, now, session.event.stale_min * 60.0, tz,
    )  # fmt: skip
    alerts = [*late, *gone, *p.alerts, *crew.alerts(now, p)]
    moving_s = session.tracker.moving_between(since, now)
    return Card(
        now, since, why, max(p.km_total - km_then, 0.0), moving_s, elapsed,
        in_shift, fed, tuple(alerts), _last_entry(crew, tz), crew.freshness(p), p, ts, note,
        last_handover(entries, now) if why == "last handover" else None,
    )  # fmt: skip


def log(crew: Crew, card: Card) -> int:
    """Log this handover with its note: the next shift's card starts here."""
    return crew.log_handover(card.note, card.now)


def _km_at(crew: Crew, t: datetime) -> float:
    # The tracker's km then, not the fix's own: an off-route or late fix is logged without one.
    return crew.session.tracker.km_at(t)


def _late_feeds(
    crew: Crew,
    fed: tuple[Fed, ...],
    stops: tuple[Stop, ...],
    since: datetime,
    now: datetime,
    day_began: datetime | None,
    tz: ZoneInfo,
) -> list[str]:
    """A meal or drink of today logged later than its interval in the shift: "EAT late: 1h10
    (12:00 to 13:10; every 45 min)". The timers' rule: from the start of the athlete's day, and
    from waking after a stop tagged sleep (sleep pauses them)."""
    woke = sorted(s.end for s in stops if s.tag_name == "sleep" and s.end is not None)
    feeding = crew.session.event.feeding
    if feeding is None or day_began is None:
        return []
    out = []
    for kind, minutes in feeding.every_min().items():
        times = sorted(f.at for f in fed if f.kind == kind and day_began <= f.at <= now)
        prev = day_began
        for t in times:
            prev = max([prev, *(w for w in woke if prev < w <= t)])
            gap = (t - prev).total_seconds()
            if t >= since and gap > minutes * 60.0:
                span = f"{render.clock(prev, tz, t)} to {render.clock(t, tz, now)}"
                out.append(f"{kind.upper()} late: {render.hm(gap)} ({span}; every {minutes:g} min)")
            prev = t
    return out


def _last_entry(crew: Crew, tz: ZoneInfo) -> str:
    for e in crew.session.logbook.entries(20, without_gps=True):
        if e.kind in ("fix", "crew") and not e.undone:
            when = e.time or e.logged_at
            return f"{when.astimezone(tz):%H:%M} {e.line(tz)}"
    return "—"


def where_text(f: Freshness, tz: ZoneInfo, now: datetime) -> str:
    """ "km 160.2 · 5 min ago · manual (Valsad) · last town Vapi 07:37"."""
    if f.age_s is None:
        return "no position yet"
    src = f.source + (f" ({f.label})" if f.source == "manual" and f.label else "")
    out = f"km {f.km:.1f} · {age_text(f.age_s)} · {src}"
    if f.last_town:
        when = f" {render.clock(f.last_town_at, tz, now)}" if f.last_town_at else ""
        out += f" · last town {f.last_town}{when}"
    return out


def age_text(age_s: float) -> str:
    if age_s < 60:
        return "just now"
    return f"{render.hm(age_s)} ago"


def text(card: Card, tz: ZoneInfo) -> str:
    """The card as text to paste into a message."""
    p, now = card.progress, card.now

    def local(t: datetime) -> str:  # with its weekday when not today: a stop began yesterday
        return render.clock(t, tz, now)

    since_day = "" if card.since.astimezone(tz).date() == now.astimezone(tz).date() else " %a"
    lines = [
        f"HANDOVER {now.astimezone(tz):%a %d %b %H:%M} · shift since "
        f"{card.since.astimezone(tz).strftime('%H:%M' + since_day)} ({card.since_why})",
        f"Shift: {card.km_since:.1f} km · on the move {render.hm(card.moving_s)} "
        f"of {render.hm(card.elapsed_s)}",
    ]
    if card.stops:
        lines.append("Stops:")
        for s in card.stops:
            end = local(s.end) if s.end else "now"
            note = f" — {s.tag.note}" if s.tag is not None and s.tag.note else ""
            lines.append(
                f"  {s.number:>2}. {local(s.start)}-{end} {render.hm(s.duration_s(now))} "
                f"{s.where} · {s.tag_name}{note}"
            )
    else:
        lines.append("Stops: none")
    if card.fed:
        fed = ", ".join(
            f"{local(f.at)} {'ate' if f.kind == 'eat' else 'drank'}"
            + (f" {f.what}" if f.what else "")
            for f in card.fed
        )
        lines.append(f"Ate/drank: {fed}")
    else:
        lines.append("Ate/drank: nothing logged")
    lines.append("Alerts: " + ("; ".join(card.alerts) if card.alerts else "none"))
    lines.append(f"Last entry: {card.last_entry}")
    lines.append(f"Now: {where_text(card.freshness, tz, now)}")
    for t in p.towns_ahead[:TOWNS_ON_CARD]:
        eta = render.clock(t.eta_at, tz, now) if t.eta_at else "—"
        cut = "".join(f" · {d.deadline.kind} {render.clock(d.deadline.at, tz, now)}"
                      for d in t.deadlines)  # fmt: skip
        lines.append(f"  {t.name} {t.km_to_go:.1f} km · ETA {eta}{cut}")
    if card.timers:
        lines.append("Due: " + " · ".join(timer_text(t, now) for t in card.timers))
    if card.note:
        lines.append(f"Note: {card.note}")
    elif card.began_with is not None and card.began_with.note:
        lines.append(f"Last shift's note ({local(card.began_with.at)}): {card.began_with.note}")
    return "\n".join(lines)


def as_json(card: Card, tz: ZoneInfo) -> dict[str, Any]:

    def iso(t: datetime | None) -> str | None:
        return render.iso_local(t, tz)

    f = card.freshness
    return {
        "now": iso(card.now),
        "since": iso(card.since),
        "since_why": card.since_why,
        "km": round(card.km_since, 3),
        "moving_s": round(card.moving_s),
        "elapsed_s": round(card.elapsed_s),
        "stops": [stop_json(s, tz, card.now) for s in card.stops],
        "fed": [
            {"at": iso(x.at), "kind": x.kind, "what": x.what} for x in card.fed
        ],
        "alerts": list(card.alerts),
        "last_entry": card.last_entry,
        "where": as_json_where(f, tz),
        "towns": [
            {
                "name": t.name,
                "km_to_go": round(t.km_to_go, 3),
                "eta": iso(t.eta_at),
                "deadlines": [
                    {"kind": d.deadline.kind, "at": iso(d.deadline.at), "missed": d.missed}
                    for d in t.deadlines
                ],
            }
            for t in card.progress.towns_ahead[:TOWNS_ON_CARD]
        ],
        "due": [timer_json(t, card.now, tz) for t in card.timers],
        "note": card.note,
    }


def as_json_where(f: Freshness, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "km": round(f.km, 3),
        "age_s": None if f.age_s is None else round(f.age_s),
        "source": f.source,
        "last_town": f.last_town or None,
        "last_town_at": render.iso_local(f.last_town_at, tz),
    }


def stop_json(s: Stop, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {
        "number": s.number,
        "start": render.iso_local(s.start, tz),
        "end": render.iso_local(s.end, tz),
        "duration_s": round(s.duration_s(now)),
        "km": round(s.km, 3),
        "town": s.town or None,
        "town_off_km": round(s.town_off_km, 3),
        "where": s.where,
        "by": s.by,
        "tag": s.tag.tag if s.tag else None,
        "note": s.tag.note if s.tag else "",
    }


def timer_json(t: Timer, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "every_min": t.every_s / 60.0,
        "since": render.iso_local(t.since, tz),
        "due_at": render.iso_local(t.due_at, tz),
        "due_in_s": round(t.due_in_s(now)),
        "state": t.state,
    }

