"""The one rule for which times Companion believes, at every door.

A time comes in typed by the crew (a checkpoint, an edit, `--now`), from the event file (`start`)
or from a feed (a GPS receiver, a phone). Receivers and phones send nonsense now and then: the
".NET no-date" 0001-01-01, a GPS week rollover to 1999, a year 0002 in an NMEA ZDA. One such time in
the log used to brick the event (every later reading of it failed), so each door refuses a time
outside its window with a reason a person can read, and the log refuses to store one.

The windows:
- anything: 2000-01-01 to 2100-01-01 (UTC). Nobody runs this event before 2000, and the bounds
  keep every time far from datetime's limits, so converting one to any timezone never overflows.
- a feed fix: that, and no later than `now` + 1 day when the clock is known.
- a crew entry (typed or edited): no later than `now` + `ENTRY_AHEAD` (clocks differ a little
  between devices); the session also refuses one before the event's start.

Pure: time is an argument, nothing here reads a clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A feed's clock this far ahead of ours is a receiver bug, not a fix (the plausibility filter's
# tighter "future" test still applies when it knows the clock).
FEED_AHEAD = timedelta(days=1)
# A typed time may be this far ahead of the clock.
ENTRY_AHEAD = timedelta(minutes=2)


def shown(when: datetime, tz: tzinfo | None = None) -> str:
    """`when` for a message, in `tz` (UTC when None): "2021-08-15 10:00 UTC".

    A four-digit year even for year 999 (strftime writes "999"); never raises, even for year 1
    or 9999 with an offset (then shown as written).
    """
    if when.tzinfo is None or when.utcoffset() is None:
        return when.isoformat(sep=" ", timespec="minutes")
    try:
        local = when.astimezone(tz or UTC)
    except OverflowError:
        return when.isoformat(sep=" ", timespec="minutes")
    text = local.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    return text + " UTC" if tz is None else text


def time_problem(
    when: datetime,
    *,
    now: datetime | None = None,
    ahead: timedelta = FEED_AHEAD,
    not_before: datetime | None = None,
    not_before_what: str = "",
    tz: tzinfo | None = None,
) -> str | None:
    """Why `when` is not a time to believe, or None when it is.

    Args:
        when: the time to judge.
        now: the clock, when known; then `when` may be at most `ahead` past it.
        ahead: how far past `now` a time may be.
        not_before: an earlier bound than EARLIEST's, e.g. a margin before the event's start.
        not_before_what: what `not_before` is, for the message ("the event's start").
        tz: the timezone times are shown in (UTC when None).

    Returns:
        None, or a reason such as "time 0999-06-01 10:00 UTC is before 2000-01-01".
    """
    if when.tzinfo is None or when.utcoffset() is None:
        return f"time {shown(when)} has no timezone"
    if when < EARLIEST:
        return f"time {shown(when, tz)} is before 2000: not a real time for an event"
    if when >= LATEST:
        return f"time {shown(when, tz)} is after 2099: not a real time for an event"
    if not_before is not None and when < not_before:
        return f"time {shown(when, tz)} is before {not_before_what or shown(not_before, tz)}"
    # In UTC: `now + ahead` in a zone with a fall-back would drop now's fold, and two times of
    # one zone compare by wall clock.
    if now is not None and now < LATEST - ahead and when > now.astimezone(UTC) + ahead:
        return f"time {shown(when, tz)} is in the future (the clock says {shown(now, tz)})"
    return None
