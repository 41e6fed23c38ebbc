"""`python -m backbone.feed run | subscribe --id ID --country XX | list`: the national feed and its subscribers."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from backbone import telemetry
from backbone.feed.filter import NationalFeed, feed_settings, subscriber_topic
from backbone.feed.subscribers import InvalidSubscriber, Registry, Subscriber
from backbone.kafka import ensure_topics


async def _run() -> None:
    settings = feed_settings()
    telemetry.configure(settings, role="feed")
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.http_host)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await NationalFeed(settings).run(stop)


async def _subscribe(subscriber: Subscriber) -> None:
    settings = feed_settings()
    changed = Registry(settings.subscribers_file).add(subscriber)
    await ensure_topics(
        settings.kafka_bootstrap, [subscriber_topic(settings, subscriber)], prefix=settings.topic_prefix
    )
    print(f"{'registered' if changed else 'already registered'}: {subscriber.id} ({subscriber.country})")
    print(f"topic: {settings.topic(subscriber.topic)}")
    print(f"bootstrap: {settings.kafka_bootstrap}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backbone.feed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="filter the internal topics into the subscribers' topics until stopped")
    subscribe = commands.add_parser("subscribe", help="register a national system and create its topic")
    subscribe.add_argument("--id", required=True, help="e.g. fr-ncu (lower-case letters, digits, dashes)")
    subscribe.add_argument(
        "--country", required=True, help="ISO 3166-1 alpha-2 code of the country it serves"
    )
    subscribe.add_argument("--description", default="")
    commands.add_parser("list", help="the registered subscribers")
    args = parser.parse_args(argv)
    if args.command == "run":
        asyncio.run(_run())
        return 0
    if args.command == "subscribe":
        try:
            subscriber = Subscriber(args.id, args.country.upper(), args.description)
        except InvalidSubscriber as exc:
            parser.error(str(exc))
        asyncio.run(_subscribe(subscriber))
        return 0
    for s in Registry(feed_settings().subscribers_file).current():
        print(f"{s.id}\t{s.country}\t{s.topic}\t{s.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
