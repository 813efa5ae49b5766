"""`companion share EVENT`: publish the event's log and status to its [share] broker with no
screen (a car that only types checkpoints on the command line), and merge its peers' entries.
`companion follow` and `run` publish the same way when the event has [share]."""

from __future__ import annotations

import argparse
import contextlib
import signal
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from companion.cli.common import Commands, UsageError, add, event_args, session
from companion.stdout import StatusPrinter

if TYPE_CHECKING:
    from pathlib import Path

    from companion.share.config import Broker
    from companion.share.publisher import Publisher


def cmd_share(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: ~35 ms off every other command's start (issue 11)

    from companion.share.publisher import Publisher  # aiomqtt only when sharing

    with session(args) as s:
        say = StatusPrinter()

        def replay(rows: object) -> None:
            s.replay()  # rows typed by other processes: the status must count them

        publisher = Publisher(s, now=lambda: s.now(datetime.now(UTC)), say=say, on_rows=replay)
        try:
            asyncio.run(_run(publisher, args.duration))
        finally:
            publisher.close()
        st = publisher.state
        say(
            f"share: {st.published} rows published, {st.merged} merged from peers, "
            f"{st.dropped} dropped; cursor at row {st.cursor}"
        )
    return 0


async def _run(publisher: Publisher, duration: float | None) -> None:
    import asyncio

    from companion.stopping import stop_task

    task = asyncio.create_task(publisher.run())
    asked = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # all stop it cleanly
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, asked.set)
    waiting = asyncio.create_task(asked.wait())
    # Until a signal or `duration` (None: no end); then stop_task, which cancels again if a
    # library lost the cancel: one plain cancel left `share` running after SIGTERM.
    await asyncio.wait({task, waiting}, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    await stop_task(task)


def cmd_board(args: argparse.Namespace) -> int:
    from companion.app.board.app import BoardApp, Message, State, run_board
    from companion.share.watch import watch

    broker, event = _event_url(args.url, "board")

    async def run(on_message: Message, on_state: State) -> None:
        await watch(broker, event, on_message, on_state)

    return run_board(BoardApp(event, f"{broker.shown}/{event}", run))


def cmd_serve(args: argparse.Namespace) -> int:
    from companion.cli.common import now_arg
    from companion.share.serve import BrokerStatus, EventStatus, Status, make_server

    def wall() -> datetime:
        return now_arg(args.now)  # --now (tests), else the wall clock

    if args.source.startswith(("mqtt://", "mqtts://")):
        broker, rest = _event_url(args.source, "serve", unit_ok=True)
        event, _, unit = rest.partition("/")
        status: Status = BrokerStatus(broker, event, unit or None)
        what = f"{broker.shown}/{rest}"
    else:
        args.event = args.source
        s = session(args, readonly=True)
        status = EventStatus(s, wall)
        what = s.event.name
    try:
        server = make_server(args.host, args.port, status, wall)
    except OSError as e:
        raise UsageError(
            f"serve: cannot listen on {args.host}:{args.port}: {e.strerror or e}"
        ) from None
    host, port = server.server_address[:2]
    # A service manager's stop ends it cleanly; taken before the line, so a stop sent as soon as
    # the line is seen (a test, a script) does too.
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        StatusPrinter()(f"serving {what} on http://{host!s}:{port}/ (and /status.json)")
        server.serve_forever()
    server.server_close()
    status.close()
    return 0


def cmd_broker_config(args: argparse.Namespace) -> int:
    """Write the Mosquitto config of this car's broker, or of the event's broker and its ACL."""
    from pathlib import Path

    from companion.event import load_event
    from companion.share import broker_config as bc
    from companion.share.topics import event_topic_id

    event = load_event(args.event)
    event_id = event_topic_id(event)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = str((out / "data").absolute())
    written: list[Path] = []
    if args.role == "car":
        if event.share is None:
            raise UsageError(f"{args.event}: no [share] table: the car's unit and peers are there")
        if not args.remote:
            raise UsageError("broker-config car: give --remote HOST:PORT, the event's broker")
        cfg = event.share
        text = bc.car_broker_conf(event_id, cfg.unit, cfg.peers, event.athlete, args.remote, data,
                                  local_port=args.port, remote_tls_cafile=args.cafile)  # fmt: skip
        written.append(_write(out / f"car-{cfg.unit}.conf", text))
        print(f"put {cfg.unit}'s password on the event broker in place of "
              f"{bc.PASSWORD_PLACEHOLDER} (remote_password), then: chmod 600 the file")  # fmt: skip
    else:
        if bool(args.certfile) != bool(args.keyfile):
            raise UsageError("broker-config event: TLS needs both --certfile and --keyfile")
        acl = _write(out / "event.acl", bc.event_acl(event_id, tuple(args.follower)))
        listener = bc.Listener(args.port, args.host, args.certfile, args.keyfile)
        passwd = str((out / "passwd").absolute())
        conf = bc.event_broker_conf(listener, data, passwd, str(acl.absolute()))
        written += [_write(out / "event.conf", conf), acl]
        users = " ".join(["UNIT", *args.follower])
        print(f"make the password file: mosquitto_passwd -c {passwd} USER, for each of: {users}")
    for path in written:
        print(f"wrote {path}")
    return 0


def _write(path: Path, text: str) -> Path:
    from companion.cli.common import write_out

    write_out(str(path), text)
    return path


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _event_url(url: str, what: str, unit_ok: bool = False) -> tuple[Broker, str]:
    """`mqtt://host:port/<event>` (and `/<unit>` when `unit_ok`): the broker and the path."""
    from companion.event_id import id_problem
    from companion.share.config import parse_broker_url, unit_problem

    broker = parse_broker_url(url, what=what)
    event, _, unit = broker.path.partition("/")
    if unit_ok and unit and (problem := unit_problem(unit)) is not None:
        raise UsageError(f"{what}: unit {problem}")
    if (problem := id_problem(event if unit_ok else broker.path)) is not None:
        raise UsageError(
            f"{what}: give the event's id, as in mqtt://HOST:1883/EVENT-ID ({problem})"
        )
    return broker, broker.path


def register(sub: Commands) -> None:
    sp = add(sub, "share", "publish the event's log and status to its [share] MQTT broker")
    event_args(sp)
    sp.add_argument("--duration", type=float, help="stop after this many seconds")
    sp.set_defaults(func=cmd_share)

    sp = add(sub, "board", "the organiser's board: every unit of an event, live from its broker")
    sp.add_argument("url", help="mqtt://HOST:PORT/EVENT-ID (mqtts:// for TLS)")
    sp.set_defaults(func=cmd_board)

    sp = add(sub, "serve", "the follower page and /status.json, read-only, for phones")
    sp.add_argument("source", help="the event file, or mqtt://HOST:PORT/EVENT-ID[/UNIT]")
    sp.add_argument("--db", help="the log database (default: one per event in the data dir)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    sp.add_argument("--now", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_serve)

    sp = add(sub, "broker-config", "write the Mosquitto config of a car's broker or the event's")
    sp.add_argument("event", help="the event file (TOML)")
    sp.add_argument("role", choices=("car", "event"), help="this car's broker, or the event's")
    sp.add_argument("--out", default=".", help="the folder to write into (default: here)")
    sp.add_argument("--port", type=int, help="listen on (default 1883)", default=1883)
    sp.add_argument("--host", default="", help="event: the address to listen on (default: all)")
    sp.add_argument("--remote", metavar="HOST:PORT", help="car: the event's broker")
    sp.add_argument("--cafile", help="car: the CA of the event broker's TLS certificate")
    sp.add_argument("--follower", action="append", default=[], metavar="USER",
                    help="event: a read-only user (followers, the organiser); repeat")  # fmt: skip
    sp.add_argument("--certfile", help="event: TLS certificate (mqtts://)")
    sp.add_argument("--keyfile", help="event: TLS key")
    sp.set_defaults(func=cmd_broker_config)
