"""Process entry points: `python -m backbone.serve <service> api|relay|consumer|migrate`, `... topics`, and the
operators' `python -m backbone.serve <service> replay-dead-letters` (after the cause of dead letters is fixed).

`make run`, the tests and the Kubernetes manifests all start processes through here.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from aiokafka.errors import KafkaError

from backbone import telemetry
from backbone.health import serving
from backbone.registry import SERVICES, spec_of
from backbone.settings import ServiceSettings, load_settings

log = logging.getLogger("backbone.serve")
ROLES = ("api", "relay", "consumer", "migrate", "replay-dead-letters", "parked", "release-parked")


def _run_until_signal(main: Callable[[asyncio.Event], object]) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)  # type: ignore[misc]

    # asyncio's own loop, not uvloop: under uvloop, aiokafka's write to a broker connection cut before it noticed
    # raises RuntimeError where it expects OSError (aio-libs/aiokafka#1038, open), which kills the consumer's
    # group coordination for good; `make chaos` met it twice in 1,520 faults. The APIs, which do not talk to
    # Kafka, keep uvloop.
    with asyncio.Runner() as loop:
        loop.run(runner())


async def _until_stopped_or_ended(
    work: Coroutine[Any, Any, None], stop: asyncio.Event, halt: Callable[[], None]
) -> None:
    """Run `work` until a signal asks to stop (then `halt()` it and wait) or until it ends by itself. A crash is
    raised out, so the process exits and its supervisor restarts it: waiting for the signal alone left a relay
    whose loop had died running, healthy-looking, with its outbox filling (found by `make chaos`)."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    halt()
    await task


UVICORN_OPTIONS: dict[str, object] = {
    "loop": "uvloop",
    "http": "httptools",
    "log_config": None,
    "access_log": False,
    "timeout_graceful_shutdown": 10,
}
"""How every API process is served (the H1 benchmark serves its bare baseline app the same way)."""


def serve_api(settings: ServiceSettings) -> None:
    import uvicorn

    uvicorn.run(
        spec_of(settings.service_name).app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        **UVICORN_OPTIONS,  # type: ignore[arg-type]
    )


def serve_relay(settings: ServiceSettings) -> None:
    from backbone.outbox.relay import OutboxRelay

    telemetry.configure(settings, role="relay")

    async def main(stop: asyncio.Event) -> None:
        relay = OutboxRelay(settings)
        async with serving(relay.health, host=settings.http_host, port=settings.relay_metrics_port):
            log.info("relay started", extra={"service": settings.service_name})
            await _until_stopped_or_ended(relay.run(), stop, relay.stop)

    _run_until_signal(main)


def serve_consumer(settings: ServiceSettings) -> None:
    from backbone.consumer import EventConsumer
    from backbone.db import create_engine, create_sessionmaker

    handlers = spec_of(settings.service_name).handlers()
    assert handlers is not None, f"{settings.service_name} consumes no events"
    telemetry.configure(settings, role="consumer")

    async def main(stop: asyncio.Event) -> None:
        engine = create_engine(settings, pool_size=2)
        consumer = EventConsumer(settings, create_sessionmaker(engine), handlers.subscription(settings))
        async with serving(consumer.health, host=settings.http_host, port=settings.consumer_health_port):
            await _until_stopped_or_ended(consumer.run(), stop, consumer.stop)
        await engine.dispose()

    _run_until_signal(main)


def replay_dead_letters(settings: ServiceSettings) -> dict[str, int]:
    """Run the service's handlers over what its dead-letter topic holds now; what fails again stays there."""
    from backbone.consumer import EventConsumer
    from backbone.db import create_engine, create_sessionmaker

    handlers = spec_of(settings.service_name).handlers()
    assert handlers is not None, f"{settings.service_name} consumes no events"

    async def main() -> dict[str, int]:
        engine = create_engine(settings, pool_size=2)
        try:
            consumer = EventConsumer(settings, create_sessionmaker(engine), handlers.subscription(settings))
            return dataclasses.asdict(await consumer.replay_dead_letters())
        finally:
            await engine.dispose()

    return asyncio.run(main())


def parked_rows(settings: ServiceSettings, *, release: list[int] | None, release_all: bool) -> dict[str, Any]:
    """The outbox rows the broker refused for good (id, event, topic, size, reason); with `release`, put them
    back in the outbox once the cause is fixed."""
    import asyncpg

    from backbone.outbox.relay import release_parked

    async def main() -> dict[str, Any]:
        conn = await asyncpg.connect(settings.asyncpg_dsn, timeout=10)
        try:
            released = (
                await release_parked(conn, None if release_all else release) if release or release_all else 0
            )
            rows = await conn.fetch(
                "SELECT id, event_id, event_type, topic, octet_length(message_value) AS bytes, reason, parked_at "
                "FROM outbox_parked ORDER BY id"
            )
            return {
                "released": released,
                "parked": [
                    {**dict(r), "event_id": str(r["event_id"]), "parked_at": r["parked_at"].isoformat()}
                    for r in rows
                ],
            }
        finally:
            await conn.close()

    return asyncio.run(main())


def create_topics(prefix: str | None = None) -> list[str]:
    from backbone.kafka import durability, ensure_topics, security_options
    from contracts.topics import TOPICS

    settings = load_settings("topics", uses_database=False)
    return asyncio.run(
        ensure_topics(
            settings.kafka_bootstrap,
            TOPICS,
            prefix=settings.topic_prefix if prefix is None else prefix,
            extra_options=security_options(settings),
            **durability(settings),
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m backbone.serve", description=__doc__)
    parser.add_argument("service", choices=[*SERVICES, "topics"])
    parser.add_argument("role", nargs="?", choices=ROLES, default="api")
    parser.add_argument(
        "--id", type=int, action="append", help="release-parked: a parked row's id (repeatable)"
    )
    parser.add_argument("--all", action="store_true", help="release-parked: every parked row")
    args = parser.parse_args(argv)
    if args.service == "topics":
        created = create_topics()
        print(f"topics created: {created or 'none (all existed)'}")
        return
    spec = spec_of(args.service)
    settings = load_settings(args.service, uses_temporal=spec.starts_workflows)
    if args.role == "api":
        serve_api(settings)
    elif args.role == "relay":
        serve_relay(settings)
    elif args.role in ("consumer", "replay-dead-letters"):
        if spec.handlers() is None:
            parser.error(f"{args.service} has no consumers (services/{args.service}/handlers.py)")
        if args.role == "consumer":
            serve_consumer(settings)
        else:
            try:
                report = replay_dead_letters(settings)
            except KafkaError as exc:
                print(
                    f"cannot reach Kafka at {settings.kafka_bootstrap} as this service ({exc!r}); run it where the "
                    f"service runs (its pod), or set {args.service.upper()}_KAFKA_SECURITY_PROTOCOL, _SASL_MECHANISM, "
                    "_SASL_USERNAME and _SASL_PASSWORD",
                    file=sys.stderr,
                )
                raise SystemExit(2) from exc
            print(json.dumps(report))
            if report["dead_lettered"] or report["skipped"]:
                raise SystemExit(1)  # some records are still dead letters: look at their dlt_error headers
    elif args.role in ("parked", "release-parked"):
        if args.role == "release-parked" and not args.id and not args.all:
            parser.error("release-parked needs --id N (repeatable) or --all")
        print(json.dumps(parked_rows(settings, release=args.id, release_all=args.all), default=str))
    elif args.role == "migrate":
        from backbone.migrations import upgrade

        upgrade(settings)
        print(f"{args.service}: migrations applied")


if __name__ == "__main__":
    main()
