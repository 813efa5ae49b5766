"""A password written raw in a URL with one of / ? # in it (a generated password, not
percent-encoded) ends the URL's authority early for urlsplit: the rest of the password lands in
the path, query or fragment. It must still never be printed: not by `redact`, not in the message
refusing a broker URL, not in a log line."""

from __future__ import annotations

import pytest

from companion.event import EventError, redact
from companion.logsetup import hide_secrets
from companion.share.config import parse_broker_url

# Each piece of the password is long enough to be found if any of it is shown.
PIECES = ("Zq7vK", "Wp4mX")


@pytest.mark.parametrize("mark", ["/", "?", "#"])
def test_redact_hides_a_password_with_a_url_delimiter(mark: str) -> None:
    password = mark.join(PIECES)
    for url in (
        f"https://crew:{password}@tracker.example.com/api/positions",
        f"mqtt://car1:{password}@broker.example.com:1883",
    ):
        shown = redact(url)
        assert not any(p in shown for p in PIECES), shown
        logged = hide_secrets(f"cannot connect to {url}: refused", env={})
        assert not any(p in logged for p in PIECES), logged


@pytest.mark.parametrize("mark", ["/", "?", "#"])
def test_a_broker_url_refused_does_not_show_its_password(mark: str) -> None:
    url = f"mqtt://car1:{mark.join(PIECES)}@broker.example.com:1883"
    with pytest.raises(EventError) as got:
        parse_broker_url(url, env={})
    assert not any(p in str(got.value) for p in PIECES), str(got.value)


def test_a_topic_with_an_at_sign_is_still_a_topic() -> None:
    # An MQTT feed's topic may hold "@" (an OwnTracks user named by an e-mail address).
    b = parse_broker_url("mqtt://broker.example.com:1883/owntracks/me@home/phone", env={})
    assert (b.host, b.port, b.path) == ("broker.example.com", 1883, "owntracks/me@home/phone")


def test_urls_without_credentials_are_left_as_written() -> None:
    for url in (
        "gpsd://localhost:2947",
        "http://0.0.0.0:8080/owntracks?device=phone",
        "mqtt://127.0.0.1:1883/unity-run-2021-k3f9",
    ):
        assert redact(url) == url
