"""`python -m backbone.feed run | subscribe --id ID --country XX | list`: the national feed and its subscribers."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from backbone import telemetry
from backbone.feed.filter import NationalFeed, feed_settings, inbound_topic, subscriber_topic
from backbone.feed.subscribers import InvalidSubscriber, Registry, Subscriber, SubscriberTaken
from backbone.health import serving
from backbone.kafka import durability, ensure_topics, security_options
from devstack.config import StackConfig
from devstack.kafka_security import KafkaSecurity, subscriber_grant, subscriber_user


async def _run() -> None:
    settings = feed_settings()
    telemetry.configure(settings, role="feed")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    feed = NationalFeed(settings)
    async with serving(feed.health, host=settings.http_host, port=settings.metrics_port):
        await feed.run(stop)


async def _subscribe(subscriber: Subscriber) -> None:
    """Register, create the topic and, on the local stack, the subscriber's Kafka user and its one ACL."""
    settings = feed_settings()
    config = StackConfig.from_env()
    local = config.external_kafka_bootstrap is None
    security = KafkaSecurity(config)
    changed = Registry(settings.subscribers_file).add(subscriber)
    bootstrap = config.kafka_bootstrap if local else settings.kafka_bootstrap
    await ensure_topics(
        bootstrap,
        [subscriber_topic(settings, subscriber), inbound_topic(settings, subscriber)],
        prefix=settings.topic_prefix,
        extra_options=security.admin().client_options() if local else security_options(settings),
        **durability(settings),
    )
    print(f"{'registered' if changed else 'already registered'}: {subscriber.id} ({subscriber.country})")
    print(f"topic: {settings.topic(subscriber.topic)}")
    print(f"inbound topic (yours to write): {settings.topic(subscriber.inbound_topic)}")
    print(f"bootstrap: {bootstrap}")
    if local:
        await asyncio.to_thread(security.apply, [subscriber_grant(subscriber)])
        user = security.credentials(subscriber_user(subscriber.id))
        print(f"kafka user: {user.username} ({user.protocol}, {user.mechanism})")
        print(f"kafka password: {user.password}")
    else:
        print(
            f"kafka user: ask the platform team for {subscriber_user(subscriber.id)} (see kafka_security.py)"
        )


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
        try:
            asyncio.run(_subscribe(subscriber))
        except SubscriberTaken as exc:
            print(f"conflict: {exc}", file=sys.stderr)
            return 2
        return 0
    for s in Registry(feed_settings().subscribers_file).current():
        print(f"{s.id}\t{s.country}\t{s.topic}\t{s.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
