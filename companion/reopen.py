"""Reopening an event from the tracker state saved with its log, reading only the log's tail.

A day of 10 Hz fixes is 864,000 rows; reading them all into Fix objects took most of a reopened
`status` (issue 11). With a state that fits (companion/trackstate.py), only the fix rows after
it are read and applied; the earlier ones are read from the log only if something asks for
them (an export, an entry typed in among them: Tracker.resume_tail, core/deferred.py).
"""

from __future__ import annotations

from companion.core.deferred import HeadChanged
from companion.core.fixcolumns import FixColumns
from companion.core.tracker import Tracker
from companion.logbook import Logbook


def resume_from_state(logbook: Logbook, tracker: Tracker) -> tuple[int, int] | None:
    """Bring `tracker` up to date from the log's saved state and its tail: (the newest row id
    the state covered, its fixes), or None (nothing changed) when there is no state that fits:
    the caller replays the whole log."""
    saved = logbook.saved_state(tracker)
    if saved is None:
        return None
    rows, set_aside = logbook.fixes_between(saved.max_id, 2**63 - 1)
    tail = [f for _id, f in rows]
    ended_on = saved.state.state.last
    assert ended_on is not None  # trackstate.load hands back no state without one
    # Sorted by time then id: a tail row before the fix the state ended on (a checkpoint typed
    # in late) sorts in among the fixes it applied, so it does not fit.
    if tail and tail[0].time < ended_on.time:
        return None
    applied = saved.state.applied

    def head(k: int) -> FixColumns:
        """The first `k` fixes the state applied, as the log holds them now (the rows up to
        the state's last: what came after cannot change them), as columns."""
        fixes = logbook.fix_columns(saved.last_id)
        if len(fixes) != applied or fixes[-1] != ended_on:
            raise HeadChanged(
                f"the log's rows up to #{saved.last_id} changed while it was open "
                f"({len(fixes)} fixes, {applied} expected): open the event again"
            )
        fixes.truncate(k)
        return fixes

    try:
        tracker.resume_tail(saved.state, tail, head)
        # A trial of what reading the state needs: a crafted state whose types passed the check
        # (companion/statecheck.py) but still breaks fails here, not in front of the crew.
        tracker.progress(tail[-1].time if tail else ended_on.time)
        tracker.day_totals()
    except HeadChanged:
        raise
    except Exception:  # a state that does not work: the caller replays the whole log
        return None
    logbook.set_aside = set_aside  # the rows it covers had none (trackstate.save)
    return saved.last_id, applied
