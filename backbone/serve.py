"""Process entry points: `python -m backbone.serve <service> api|relay|consumer|migrate` and `... topics`.

`make run`, the tests and the Kubernetes manifests all start processes through here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable

from backbone import telemetry
from backbone.registry import SERVICES, spec_of
from backbone.settings import ServiceSettings, load_settings

log = logging.getLogger("backbone.serve")
ROLES = ("api", "relay", "consumer", "migrate")


def _run_until_signal(main: Callable[[asyncio.Event], object]) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)  # type: ignore[misc]

    asyncio.run(runner())


def serve_api(settings: ServiceSettings) -> None:
    import uvicorn

    uvicorn.run(
        spec_of(settings.service_name).app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def serve_relay(settings: ServiceSettings) -> None:
    from backbone.outbox.relay import OutboxRelay

    telemetry.configure(settings, role="relay")
    if settings.relay_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.relay_metrics_port, addr=settings.http_host)

    async def main(stop: asyncio.Event) -> None:
        relay = OutboxRelay(settings)
        task = asyncio.create_task(relay.run())
        log.info("relay started", extra={"service": settings.service_name})
        await stop.wait()
        relay.stop()
        await task

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
        task = asyncio.create_task(consumer.run())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        consumer.stop()
        await task
        await engine.dispose()

    _run_until_signal(main)


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
    elif args.role == "consumer":
        if spec.handlers() is None:
            parser.error(f"{args.service} has no consumers (services/{args.service}/handlers.py)")
        serve_consumer(settings)
    elif args.role == "migrate":
        from backbone.migrations import upgrade

        upgrade(settings)
        print(f"{args.service}: migrations applied")


if __name__ == "__main__":
    main()
