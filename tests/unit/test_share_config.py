"""The event file's [share] table and broker URLs: parsed, checked with the key named, written
back, and never showing a password (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.event import EventError, load_event, write_event
from companion.share.config import ShareConfig, parse_broker_url, parse_share
from companion.share.topics import Topics, event_topic_id, split

GOOD = """\
name = "Unity Run 2021"
id = "unity-run-2021-k3f9"
athlete = "Sufiya Khan"
route = "unity-run-2021"
timezone = "Asia/Kolkata"
planned_kmh = 7.5
"""
SECRET = "s3cr3t-pa55"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_share_table_is_read(tmp_path: Path) -> None:
    text = GOOD + '[share]\nbroker = "mqtt://127.0.0.1:1884"\nunit = "car1"\npeers = ["car2"]\n'
    ev = load_event(write(tmp_path, text))
    assert ev.share == ShareConfig("mqtt://127.0.0.1:1884", "car1", ("car2",))
    broker = ev.share.connect_to(env={})
    assert (broker.host, broker.port, broker.tls) == ("127.0.0.1", 1884, False)
    assert broker.username is None


def test_no_share_table_is_no_sharing(tmp_path: Path) -> None:
    assert load_event(write(tmp_path, GOOD)).share is None


@pytest.mark.parametrize(
    ("url", "port", "tls"),
    [("mqtt://h", 1883, False), ("mqtts://h", 8883, True), ("mqtts://h:9000/", 9000, True)],
)
def test_default_ports(url: str, port: int, tls: bool) -> None:
    b = parse_broker_url(url, env={})
    assert (b.host, b.port, b.tls) == ("h", port, tls)


def test_credentials_from_the_url_or_the_environment() -> None:
    b = parse_broker_url(f"mqtt://car%201:{SECRET}%40x@h:1883", env={})
    assert (b.username, b.password) == ("car 1", f"{SECRET}@x")
    env = {"COMPANION_MQTT_USER": "car1", "COMPANION_MQTT_PASSWORD": SECRET}
    b = parse_broker_url("mqtt://h:1883", env=env)
    assert (b.username, b.password) == ("car1", SECRET)
    # A user in the URL takes the password from the environment if the URL has none.
    b = parse_broker_url("mqtt://org@h", env=env)
    assert (b.username, b.password) == ("org", SECRET)


def test_a_password_is_never_shown(tmp_path: Path) -> None:
    text = GOOD + f'[share]\nbroker = "mqtts://car1:{SECRET}@example.org"\nunit = "car1"\n'
    ev = load_event(write(tmp_path, text))
    assert ev.share is not None
    broker = ev.share.connect_to(env={})
    assert broker.password == SECRET
    for shown in (repr(ev), repr(ev.share), ev.share.shown, repr(broker), broker.shown):
        assert SECRET not in shown
        assert "example.org" in shown
    bad = GOOD + f'[share]\nbroker = "http://car1:{SECRET}@example.org"\nunit = "car1"\n'
    with pytest.raises(EventError) as e:
        load_event(write(tmp_path, bad))
    assert SECRET not in str(e.value) and "mqtt://" in str(e.value)


def test_write_and_read_back(tmp_path: Path) -> None:
    share = '[share]\nbroker = "mqtt://127.0.0.1:1883"\nunit = "car-1"\npeers = ["car2", "c3"]\n'
    text = GOOD + share
    ev = load_event(write(tmp_path, text))
    again = load_event(write_event(ev, tmp_path / "copy.toml").path)
    assert again.share == ev.share
    assert again.id == "unity-run-2021-k3f9"


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ('broker = "mqtt://h"', "missing key 'unit'"),
        ('unit = "car1"', "missing key 'broker'"),
        ('broker = "mqtt://h"\nunit = "car1"\nport = 1', "unknown key 'port'"),
        ('broker = "tcp://h"\nunit = "car1"', "mqtt:// or mqtts://"),
        ('broker = "mqtt://"\nunit = "car1"', "no host"),
        ('broker = "mqtt://h:99999"\nunit = "car1"', "share.broker"),
        ('broker = "mqtt://h?x=1"\nunit = "car1"', "no ?query"),
        ('broker = "mqtt://h"\nunit = "car/1"', "share.unit"),
        ('broker = "mqtt://h"\nunit = "car+"', "share.unit"),
        ('broker = "mqtt://h"\nunit = "#"', "share.unit"),
        ('broker = "mqtt://h"\nunit = 1', "share.unit: must be a string"),
        ('broker = "mqtt://h"\nunit = "car1"\npeers = "car2"', "share.peers: must be a list"),
        ('broker = "mqtt://h"\nunit = "car1"\npeers = ["car1"]', "own unit"),
        ('broker = "mqtt://h"\nunit = "car1"\npeers = ["c2", "c2"]', "listed twice"),
        ('broker = "mqtt://h"\nunit = "car1"\npeers = ["a/b"]', "share.peers"),
    ],
)
def test_bad_tables_name_the_key(tmp_path: Path, table: str, why: str) -> None:
    path = write(tmp_path, GOOD + "[share]\n" + table + "\n")
    with pytest.raises(EventError, match="share") as e:
        load_event(path)
    assert why in str(e.value) and str(path) in str(e.value)


def test_share_must_be_a_table(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="share: must be a table"):
        parse_share("mqtt://h")


def test_topics_and_the_event_id(tmp_path: Path) -> None:
    ev = load_event(write(tmp_path, GOOD))
    t = Topics(event_topic_id(ev), "car1")
    assert t.status == "companion/v1/unity-run-2021-k3f9/car1/status"
    assert split(t.log) == ("unity-run-2021-k3f9", "car1", "log")
    assert split("owntracks/a/b") is None
    assert t.owntracks("Sufiya Khan") == "owntracks/sufiya-khan/car1"
    no_id = load_event(write(tmp_path, GOOD.replace('id = "unity-run-2021-k3f9"\n', "")))
    with pytest.raises(EventError, match="needs the event's id"):
        event_topic_id(no_id)
