"""An event's id: a short slug that names the event wherever its file path cannot.

The id is written into the event file by `companion new` ("unity-run-2021-k3f9": the name
slugified plus a few random characters, so two crews' "Unity Run" differ). It names the event on a
sharing broker (issue 12) and stays the same when the event's folder is moved or copied.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

# Longest id accepted: it becomes an MQTT topic level and a file name, both better short.
MAX_ID_LEN = 40
# Random characters appended by new_event_id; 36**4 ≈ 1.7 million ids per name.
SUFFIX_LEN = 4
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Lowercase letters and digits in runs joined by single hyphens: safe in a topic, a URL and a
# file name on every file system.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, max_len: int = MAX_ID_LEN) -> str:
    """`text` as lowercase ASCII words joined by hyphens ("Unity Run 2021!" → "unity-run-2021").

    Accents are dropped (é → e); a text with no letter or digit left gives "event".
    """
    # Accents decompose into a letter and a combining mark, which is dropped; any other character
    # that is not an ASCII letter or digit (a dash, an apostrophe, "&") separates words.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", kept).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "event"


def new_event_id(name: str) -> str:
    """A fresh id for an event called `name`: its slug, a hyphen and SUFFIX_LEN random chars."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(SUFFIX_LEN))
    return f"{slugify(name, MAX_ID_LEN - SUFFIX_LEN - 1)}-{suffix}"


def id_problem(value: object) -> str | None:
    """Why `value` cannot be an event id, or None when it can."""
    if not isinstance(value, str):
        return f"must be a string, not {value!r}"
    if not value:
        return "must not be empty"
    if len(value) > MAX_ID_LEN:
        return f"{value!r} is longer than {MAX_ID_LEN} characters"
    if not _SLUG.match(value):
        return (
            f"{value!r}: use lowercase letters, digits and single hyphens between them "
            '(like "unity-run-2021-k3f9")'
        )
    return None
