"""The follower page (issue 12): one status (`status --json`) as a small HTML page for a phone —
big numbers, the next town with its ETA, the towns ahead, how old the data is. Pure: no IO, no
script (it reloads itself every 30 s), every value escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from companion.share.board import age_words, aware_time, number

REFRESH_S = 30
_CSS = """
body{font-family:system-ui,sans-serif;margin:0;padding:12px;background:#111;color:#eee}
h1{font-size:1.2rem;margin:0 0 4px} .who{color:#aaa;margin:0 0 12px}
.big{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}
.big div{flex:1 1 30%;min-width:96px;background:#222;border-radius:8px;padding:8px}
.big b{display:block;font-size:2rem} .big span{color:#aaa;font-size:.85rem}
.next{background:#1d3557;border-radius:8px;padding:10px;margin-bottom:12px;font-size:1.1rem}
.next b{font-size:1.4rem} table{width:100%;border-collapse:collapse}
td,th{padding:6px 4px;border-bottom:1px solid #333;text-align:left} td.n{text-align:right}
.age{color:#aaa;margin-top:12px} .old{color:#f4a261} .alert{color:#e63946;font-weight:bold}
"""


def _hm(value: object, now: datetime) -> str:
    t = aware_time(value)
    if t is None:
        return "—"
    same_day = t.date() == now.astimezone(t.tzinfo).date()
    return f"{t:%H:%M}" if same_day else f"{t:%a %H:%M}"


def _km(value: object) -> str:
    km = number(value)  # None too for an integer of 400 digits (no float holds it)
    return "—" if km is None else f"{km:.1f}"


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def page_html(doc: dict[str, Any], now: datetime, athlete: str = "", stale_s: float = 600.0) -> str:
    """The page for one status document at wall time `now`."""
    e = escape
    who = athlete or str(doc.get("athlete") or "")
    title = e(str(doc.get("event") or "Companion"))
    day = f" · day {e(str(doc['day_number']))}" if doc.get("day_number") else ""
    age: list[str] = []
    last = aware_time(_dict(doc.get("last_fix")).get("time"))
    if last is None:
        age.append("<p class=age id=age>No position yet.</p>")
    else:
        age_s = (now - last).total_seconds()
        old = " old" if age_s > stale_s else ""
        words = age_words(age_s)
        ago = words if words == "just now" else f"{words} ago"  # not "just now ago"
        age.append(
            f"<p class='age{old}' id=age>Last position {_hm(last.isoformat(), now)} "
            f"({e(ago)})</p>"
        )
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f'<meta http-equiv=refresh content="{REFRESH_S}">',
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(str(doc.get('event') or ''))}</h1>",
        f"<p class=who>{e(who)}{day}</p>",
        *age,  # how old the data is, before the numbers it qualifies
        "<div class=big>",
        f"<div><b id=km-total>{_km(doc.get('km_total'))}</b><span>km total</span></div>",
        f"<div><b id=km-today>{_km(doc.get('km_today'))}</b><span>km today</span></div>",
        f"<div><b id=km-left>{_km(doc.get('km_remaining'))}</b><span>km to go</span></div>",
        "</div>",
    ]
    finished = _dict(doc.get("finished"))
    nxt = _dict(doc.get("next_town"))
    if finished:
        parts.append(f"<div class=next>Finished at <b>{_hm(finished.get('at'), now)}</b></div>")
    elif nxt:
        parts.append(
            f"<div class=next id=next>Next: <b>{e(str(nxt.get('name') or ''))}</b> in "
            f"{_km(nxt.get('km_to_go'))} km, ETA <b>{_hm(nxt.get('eta'), now)}</b></div>"
        )
    for alert in _list(doc.get("alerts")):
        parts.append(f"<p class=alert>{e(str(alert))}</p>")
    ahead = [a for a in _list(doc.get("towns_ahead")) if isinstance(a, dict)]
    if ahead:
        parts.append("<table id=ahead><tr><th>Town</th><th>km</th><th>ETA</th></tr>")
        for town in ahead:
            parts.append(
                f"<tr><td>{e(str(town.get('name') or ''))}</td>"
                f"<td class=n>{_km(town.get('km_to_go'))}</td>"
                f"<td>{_hm(town.get('eta'), now)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
