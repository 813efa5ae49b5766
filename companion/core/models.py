"""Value types shared by every layer, frozen but for those built on every fix (Placement,
Progress, TownAhead, EtaOption, DayTotal: see EtaOption's comment). Distances in metres or km as
the name says; times are timezone-aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any


class CompanionError(Exception):
    """An error with a message meant for a person; the CLI prints it and exits 2."""


class RouteError(CompanionError):
    """A route file or route value that cannot be used (the message names file and place)."""


class PositionError(CompanionError):
    """A position that cannot be placed on the route (unknown town, km beyond the route, ...)."""


class ImplausibleEntry(PositionError):
    """A manual entry that would need an impossible speed: saved only when the crew confirms."""


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class TownSpec:
    """A named place as read from a file, before it is snapped onto the path."""

    name: str
    lat: float
    lon: float
    where: str  # "line 12", "wpt 3", "feature 7": for error messages
    km: float | None = None  # route-book km, when the file gives one
    # The town's cut-off from the file; without an offset it is local time of the event.
    cutoff: datetime | None = None
    # Other names a crew may type for it ("Baroda" for Vadodara), as written in the file.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteData:
    """What a format loader hands to `core.route.build_route`.

    The path is three parallel lists (elevation NaN where the file has none). `anchors` maps path
    vertex indices to road km (CSV route books) with the place for messages: along-route
    distances are scaled so each anchor falls at its km.
    """

    name: str
    source: str  # file path or bundled name, for messages
    lats: list[float]
    lons: list[float]
    eles: list[float]
    towns: list[TownSpec]
    anchors: list[tuple[int, float, str]] = field(default_factory=list)
    description: str = ""
    # The towns are waypoints drawn on a map (GPX, GeoJSON): one far from the path or named twice
    # is left out with a warning (Route.warnings) instead of refusing the file.
    waypoints: bool = False


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    lat: float
    lon: float
    km: float  # along-route km from the start
    off_route_m: float  # how far the town's own coordinates are from the path
    cutoff: datetime | None = None  # as in TownSpec: naive means local time of the event
    aliases: tuple[str, ...] = ()  # other names that match it when typed (TownSpec.aliases)


@dataclass(frozen=True, slots=True, init=False)
class Fix:
    """One position. GPS fixes carry lat/lon; manual fixes may carry an authoritative `km`."""

    time: datetime  # aware, UTC
    lat: float
    lon: float
    source: str = "manual"  # "manual", "gpsd", "nmea", "http", "replay", ...
    # Along-route km when known: typed (town, km marker, +N km), or where a GPS fix fell when it
    # was logged (so a replay lands exactly there). None: project the position.
    km: float | None = None
    speed_mps: float | None = None
    course_deg: float | None = None
    alt_m: float | None = None
    accuracy_m: float | None = None
    sats: int | None = None
    label: str = ""  # what the crew typed ("Valsad", "km 171"), for the log
    # A crew's word about motion, logged with the position where it was said: "stop" (the
    # athlete is resting from this time) or "go" (on the move again); "" for a plain position.
    mark: str = ""

    def __init__(
        self, time: datetime, lat: float, lon: float, source: str = "manual",
        km: float | None = None, speed_mps: float | None = None, course_deg: float | None = None,
        alt_m: float | None = None, accuracy_m: float | None = None, sats: int | None = None,
        label: str = "", mark: str = "",
    ) -> None:  # fmt: skip
        # The generated __init__ of a frozen dataclass sets each field by object.__setattr__
        # (~19k instructions a Fix); the slots' own setters take ~11k, and a 10 Hz feed builds
        # two a fix (issue 11). The fields, their order and defaults are the dataclass's
        # (tests/unit/test_fix_init.py holds the two to that).
        _set_time(self, time)
        _set_lat(self, lat)
        _set_lon(self, lon)
        _set_source(self, source)
        _set_km(self, km)
        _set_speed_mps(self, speed_mps)
        _set_course_deg(self, course_deg)
        _set_alt_m(self, alt_m)
        _set_accuracy_m(self, accuracy_m)
        _set_sats(self, sats)
        _set_label(self, label)
        _set_mark(self, mark)

    @property
    def is_manual(self) -> bool:
        # "manual@car2": the other car's crew typed it (issue 12); it counts as typed here too.
        return self.source == "manual" or self.source.startswith("manual@")


# The setters of Fix's slots (member descriptors: they bypass the frozen __setattr__).
(
    _set_time, _set_lat, _set_lon, _set_source, _set_km, _set_speed_mps, _set_course_deg,
    _set_alt_m, _set_accuracy_m, _set_sats, _set_label, _set_mark,
) = (Fix.__dict__[name].__set__ for name in Fix.__slots__)  # fmt: skip


class _FixSlots:
    """Fix's slots without its frozen `__setattr__`: `fix_of` fills one in, then makes it a Fix."""

    __slots__ = Fix.__slots__


def fix_of(
    time: datetime, lat: float, lon: float, source: str, km: float | None,
    speed_mps: float | None, course_deg: float | None, alt_m: float | None,
    accuracy_m: float | None, sats: int | None, label: str, mark: str,
) -> Fix:  # fmt: skip
    """`Fix(time, lat, ...)`, every field given, at ~40 % of its cost (~4.3k instructions, not
    ~10.7k: a 10 Hz feed's parser builds one a fix, issue 11). Plain stores into a twin class of
    the same slots, which then becomes the Fix: CPython allows a `__class__` assignment between
    two classes of one layout (and checks it, raising TypeError if they ever differ)."""
    f: Any = _FixSlots.__new__(_FixSlots)  # (Any: mypy does not see slots named at run time)
    f.time, f.lat, f.lon, f.source, f.km = time, lat, lon, source, km
    f.speed_mps, f.course_deg, f.alt_m, f.accuracy_m = speed_mps, course_deg, alt_m, accuracy_m
    f.sats, f.label, f.mark = sats, label, mark
    f.__class__ = Fix
    made: Fix = f
    return made


def with_km(fix: Fix, km: float | None) -> Fix:
    """`fix` placed at `km`: `dataclasses.replace(fix, km=km)` at a small part of its cost
    (the fields read by name). A feed's block path does not build it: the km goes beside the fix
    (`Tracker.add(fix, km)`), and this is built only where a whole fix is read back."""
    return fix_of(
        fix.time, fix.lat, fix.lon, fix.source, km, fix.speed_mps, fix.course_deg, fix.alt_m,
        fix.accuracy_m, fix.sats, fix.label, fix.mark,
    )  # fmt: skip


@dataclass(slots=True, unsafe_hash=True)  # built on every fix: not frozen, as EtaOption
class Placement:
    """Where a position falls on the route (treated as immutable: see EtaOption's comment)."""

    km: float
    off_route_m: float
    segment: int
    off_route: bool
    # Off route: when the athlete was last placed on the route (None: never yet). Carried from
    # fix to fix, it bounds how far re-acquiring the path may move them (core/placement.py).
    good_at: datetime | None = None


@dataclass(slots=True, unsafe_hash=True)  # one a day in every progress: not frozen, as EtaOption
class DayTotal:
    date: date  # local date in the event's timezone
    km: float
    moving_s: float
    first_km: float
    last_km: float
    # The part of moving_s filled in at the planned speed across a long gap (not measured):
    # shown as estimated wherever the moving time is.
    estimated_s: float = 0.0

    @property
    def avg_kmh(self) -> float | None:
        return self.km / (self.moving_s / 3600.0) if self.moving_s > 0 else None


@dataclass(frozen=True, slots=True)
class Deadline:
    """A time a town must be reached by: its "cutoff" (route file) or the event's "target"."""

    at: datetime  # aware
    kind: str  # "cutoff" or "target"


@dataclass(frozen=True, slots=True)
class DeadlineCheck:
    """What a deadline asks of the athlete now (core/cutoffs.py says how it is worked out)."""

    deadline: Deadline
    in_hand_s: float | None  # deadline - ETA; negative when the ETA misses it
    need_overall_kmh: float | None  # km to go / time left (stops included)
    need_moving_kmh: float | None  # the moving speed needed with the usual stops
    moving_fraction: float | None  # moving / elapsed time so far, what "usual stops" means
    missed: bool  # the ETA is after the deadline, or it has passed with km to go
    passed: bool  # the deadline has passed and the town is not reached


# Built 3 per town ahead, ~64 objects per fix (issue 11): plain slots classes, not frozen (a
# frozen one costs ~4x to build, its __init__ going through object.__setattr__). Treat them as
# immutable all the same: nothing assigns to them after they are built, and they keep the
# frozen classes' eq and hash (unsafe_hash) so a Progress holding them still compares and hashes.
class _Held:
    """What EtaOption and TownAhead share: an arrival held as a time and the seconds after it
    (built when read), and equality, hash, repr and pickle by the fields the dataclasses had
    (`_FIELDS`, their values from `_key`)."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()
    _from: datetime | None
    _s: float | None

    def _held_at(self) -> datetime | None:
        s, at = self._s, self._from
        return at if s is None or at is None else at + timedelta(0, s)

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _Held)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(self._FIELDS, self._key(), strict=True))
        return f"{self.__class__.__name__}({inner})"

    def __reduce__(self) -> tuple[type[_Held], tuple[Any, ...]]:
        return (self.__class__, self._key())  # a pickle holds the datetime, as the dataclass's did


class EtaOption(_Held):
    """One way of reckoning an arrival: "rhythm" (the athlete model, core/pace.py), "recent"
    (the recent pace, no more stops) or "plan" (the planned speed).

    The arrival is worked out when the option is built, held as a time and the seconds after it
    (`EtaOption(kind, opening, speed, basis, s)`: a day's opening shared by many towns): `at`
    is `opening + timedelta(0, s)` when read, the same datetime to the microsecond. A progress
    builds 48 and its readers read a few (issue 11: the datetime is most of an option's cost).
    Compared, hashed and shown as the dataclass it was: by (kind, at, speed_kmh, basis)."""

    __slots__ = ("_from", "_s", "basis", "kind", "speed_kmh")

    def __init__(
        self, kind: str, at: datetime | None, speed_kmh: float | None, basis: str,
        after_s: float | None = None,
    ) -> None:  # fmt: skip
        self.kind = kind
        self._from = at  # `at` itself, or the time the seconds `after_s` count from
        self._s = after_s
        self.speed_kmh = speed_kmh  # the moving speed it assumes
        self.basis = basis  # in words: "stint pace + 18 % stops, nights as seen"

    _FIELDS = ("kind", "at", "speed_kmh", "basis")

    @property
    def at(self) -> datetime | None:
        """Aware, UTC; None when there is no speed to reckon with."""
        return self._held_at()

    def _key(self) -> tuple[str, datetime | None, float | None, str]:
        return (self.kind, self.at, self.speed_kmh, self.basis)


class TownAhead(_Held):
    """A town (or the finish) ahead at one moment, with its ETAs side by side and the main one.

    Built once per town in every progress (issue 11), as a plain slots class: the main ETA is
    held as its option holds it (`EtaOption`: a time and the seconds after it, `after_s`), and
    `eta_at` is that sum when read, the same datetime to the microsecond; `eta_s` and the state
    are worked out without it (core/progress.py `_towns`). Compared, hashed, shown and pickled
    as the dataclass it was: by its eleven fields in order (`replaced` is `dataclasses.replace`).
    Treat it as immutable, as EtaOption."""

    __slots__ = (
        "_from", "_s", "deadlines", "eta_kind", "eta_s", "etas", "km", "km_to_go", "name",
        "past_eta_s", "speed_kmh", "state",
    )  # fmt: skip
    # The fields as the dataclass had them, in order (its repr and `replaced`).
    _FIELDS = (
        "name", "km", "km_to_go", "eta_at", "eta_s", "speed_kmh", "state", "past_eta_s", "etas",
        "eta_kind", "deadlines",
    )  # fmt: skip

    def __init__(
        self, name: str, km: float, km_to_go: float, eta_at: datetime | None,
        eta_s: float | None, speed_kmh: float | None, state: str = "ahead",
        past_eta_s: float | None = None, etas: tuple[EtaOption, ...] = (),
        eta_kind: str = "recent", deadlines: tuple[DeadlineCheck, ...] = (),
        after_s: float | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self.km = km  # along-route km of the town
        self.km_to_go = km_to_go
        self._from = eta_at  # `eta_at` itself, or the time the seconds `after_s` count from
        self._s = after_s
        self.eta_s = eta_s  # time remaining from now
        self.speed_kmh = speed_kmh  # the speed this ETA assumes
        self.state = state  # "ahead", "due" or "overdue" (core/states.py says when)
        self.past_eta_s = past_eta_s  # seconds since the ETA, once it has passed
        # Every reckoning side by side ("rhythm", "recent", "plan"); eta_at is the `eta_kind` one.
        self.etas = etas
        self.eta_kind = eta_kind
        # The town's cut-off and the event's target, if it has either (core/cutoffs.py).
        self.deadlines = deadlines

    @property
    def eta_at(self) -> datetime | None:
        """Aware, UTC; None when there is no speed to reckon with."""
        return self._held_at()

    def eta_of(self, kind: str) -> EtaOption | None:
        return next((e for e in self.etas if e.kind == kind), None)

    def with_deadlines(self, deadlines: tuple[DeadlineCheck, ...]) -> TownAhead:
        """This town with `deadlines` (the main ETA kept held)."""
        return TownAhead(
            self.name, self.km, self.km_to_go, self._from, self.eta_s, self.speed_kmh,
            self.state, self.past_eta_s, self.etas, self.eta_kind, deadlines, self._s,
        )  # fmt: skip

    def replaced(self, **changes: Any) -> TownAhead:
        """`dataclasses.replace(self, **changes)` as it was: a copy with those fields changed."""
        fields = dict(zip(self._FIELDS, self._key(), strict=True))
        unknown = changes.keys() - fields.keys()
        if unknown:
            raise TypeError(f"TownAhead has no field {sorted(unknown)[0]!r}")
        fields.update(changes)
        return TownAhead(**fields)

    def _key(self) -> tuple[Any, ...]:
        return (
            self.name, self.km, self.km_to_go, self.eta_at, self.eta_s, self.speed_kmh,
            self.state, self.past_eta_s, self.etas, self.eta_kind, self.deadlines,
        )  # fmt: skip



@dataclass(slots=True, unsafe_hash=True)  # built on every fix: not frozen, as TownAhead
class Progress:
    """Everything the crew sees at one moment; both the CLI and the dashboard render this."""

    now: datetime
    route_name: str
    route_km: float
    km_total: float
    km_today: float
    km_remaining: float
    next_town: TownAhead | None
    towns_ahead: tuple[TownAhead, ...]
    finish: TownAhead | None
    speed_now_kmh: float | None
    speed_avg_kmh: float | None  # moving average over recent moving time
    speed_today_kmh: float | None
    eta_speed_kmh: float | None
    eta_speed_basis: str  # "recent", "today", "plan", "none"
    moving_s_today: float
    elapsed_s_today: float
    moving_s_total: float
    elapsed_s_total: float
    days: tuple[DayTotal, ...]
    day_number: int | None  # day N of the event (1-based), None before the start
    last_fix: Fix | None
    last_fix_age_s: float | None
    off_route: bool
    off_route_m: float | None
    alerts: tuple[str, ...] = ()
    # The states of core/states.py: when the finish was reached (elapsed time stops there), the
    # stop the screen shows and who says so ("crew" or "gps"), and the age of the last manual
    # entry once a new one is overdue.
    finished_at: datetime | None = None
    # The parts of the moving times filled in at the planned speed, not measured (core/motion.py).
    estimated_s_today: float = 0.0
    estimated_s_total: float = 0.0
    stopped_since: datetime | None = None
    stopped_by: str | None = None
    no_entry_s: float | None = None
    # The date the day going on began: a rider-day past midnight keeps its date (core/riderdays.py);
    # None when no day is going on (nothing logged today, or after a night halt).
    today: date | None = None
