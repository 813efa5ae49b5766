"""What `companion --help` says: what it is for, examples, the environment, the exit status.

Kept apart from the parser so the text reads as a page, and so `test_cli_help` can check that
every environment variable the code reads is listed here.
"""

from __future__ import annotations

DESCRIPTION = """\
Companion: the support car's dashboard and log for an endurance event (a
multi-day run or ride, a marathon). Load a route, log where the athlete is
(typed checkpoints or a GPS feed), and see km today and total, the next town
with its ETA, the towns ahead and the daily totals. Every position is saved to
the event's log before it is shown; every command but run and demo works
without a screen."""

EPILOG = """\
examples:
  companion demo                  the dashboard on a bundled run, no GPS needed
  companion routes                the bundled routes
  companion new unity-run-2021 -o unity.toml --start 2021-08-15T05:30
  companion run unity.toml        the dashboard (? there lists its keys)
  companion checkpoint unity.toml --town Valsad --time 18:40
  companion status unity.toml --json
  companion export unity.toml --gpx - > track.gpx
  companion export unity.toml --days-csv days.csv --entries-csv entries.csv
  companion -v --log f.log follow unity.toml --feed gpsd://127.0.0.1:2947
  companion COMMAND --help        one command's options

environment:
  COMPANION_DATA_DIR       where older versions kept the logs (default: the
                           user data dir, e.g. ~/.local/share/companion); a
                           log there is copied beside its event file once
  COMPANION_FEED_USER      user name for an http(s) feed (HTTP Basic)
  COMPANION_FEED_PASSWORD  its password (never shown, logged or stored)
  COMPANION_FEED_TOKEN     a bearer token for an http(s) feed instead
  COMPANION_MQTT_USER      user name for the MQTT broker that shares the event
  COMPANION_MQTT_PASSWORD  its password (never shown, logged or stored)
  COMPANION_MQTT_CAFILE    a CA file (or self-signed certificate) for mqtts://

exit status:
  0    done
  1    a failure while running: the log or an output file cannot be written
       (a full disk, no permission), a followed feed that never answered, a
       crash in the dashboard
  2    bad input: an unknown option, a bad event or route file, an entry
       refused, a feed URL that cannot be used, an output file that exists
       (give --force)
  130  interrupted (ctrl+c);  141  the reader of stdout went away (| head)"""

# Every environment variable named above; the test greps the package for os.environ reads.
ENVIRONMENT = (
    "COMPANION_DATA_DIR",
    "COMPANION_FEED_USER",
    "COMPANION_FEED_PASSWORD",
    "COMPANION_FEED_TOKEN",
    "COMPANION_MQTT_USER",
    "COMPANION_MQTT_PASSWORD",
    "COMPANION_MQTT_CAFILE",
)
