"""One chaos run: a private stack, the backbone's processes, the workload, faults injected at random moments, and
the checks once everything has settled."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import shutil
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from backbone.feed.subscribers import Registry, Subscriber
from chaos.fleet import SERVICES, Fleet
from chaos.proxy import FaultyProxy
from chaos.stack import PrivateStack
from chaos.verify import Findings, check, wait_applied, wait_drained, wait_forwarded
from chaos.workload import Tally, Workload
from devstack.config import StackConfig
from tests.support import Deployment, TestIssuer

SUBSCRIBERS = (Subscriber("fr-ncu", "FR"), Subscriber("sn-ncu", "SN"), Subscriber("de-bka", "DE"))
"""National systems on the feed (Germany registers no agency here: it must receive only what is public)."""

FAULT_KINDS = (
    "kill_api",
    "kill_relay",
    "kill_consumer",
    "kill_feed",
    "kill_worker",
    "kill_postgres",
    "restart_temporal",
    "pause_kafka",
    "postgres_latency",
    "postgres_reset",
    "kafka_latency",
    "kafka_reset",
)
WEIGHTS = {
    **{kind: 2.0 for kind in ("kill_api", "kill_relay", "kill_consumer", "kill_feed", "kill_worker")},
    "pause_kafka": 0.1,
    "restart_temporal": 0.4,
    "kill_postgres": 0.5,
}
"""Process kills come most often (the long run's 760 faults kill each kind of process 100 times); faults that stop
the run for long (a paused broker, a restarting server) least. Unnamed kinds weigh 1."""


@dataclass(frozen=True)
class Options:
    faults: int = 40
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 1
    gap_seconds: tuple[float, float] = (0.3, 1.5)
    """How long the workload runs between two faults."""
    kafka_pause_seconds: tuple[float, float] = (10.0, 60.0)
    concurrency: int = 4
    contacts_per_agency: int = 3
    settle_seconds: float = 180.0


@dataclass
class Report:
    options: Options
    injected: Counter[str] = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)
    findings: Findings = field(default_factory=Findings)
    unexpected_exits: list[str] = field(default_factory=list)
    left_in_outbox: int = 0
    seconds: float = 0.0
    killed: Counter[str] = field(default_factory=Counter)
    """Processes SIGKILLed, by name (an API, relay or consumer kill picks one service's)."""
    connections_reset: dict[str, int] = field(default_factory=dict)
    """By each proxy (PostgreSQL, Kafka): the connections its reset faults cut."""
    feed_behind: list[str] = field(default_factory=list)
    """Source partitions the feed's group had not committed to their end once the settle time was over."""

    @property
    def passed(self) -> bool:
        return (
            self.findings.clean
            and not self.unexpected_exits
            and not self.tally.refused
            and self.left_in_outbox == 0
            and not self.feed_behind
        )

    def table(self) -> str:
        f = self.findings
        rows = [
            ("faults injected", str(sum(self.injected.values()))),
            *((f"  {kind}", str(n)) for kind, n in sorted(self.injected.items())),
            ("processes killed", ", ".join(f"{name} {n}" for name, n in sorted(self.killed.items()))),
            ("requests sent (retries)", f"{self.tally.requests} ({self.tally.retries})"),
            ("writes acknowledged", str(f.acknowledged)),
            *((f"  of which in {service}", str(n)) for service, n in f.acknowledged_in.items()),
            ("lost", str(len(f.lost))),
            ("duplicated effects", str(len(f.duplicated))),
            ("out of order", str(len(f.out_of_order))),
            ("leaked to a national stream", str(len(f.leaked))),
            ("workflows not as expected", str(len(f.workflows))),
            ("events on national streams", str(f.forwarded)),
            ("events the relay published twice", str(f.republished)),
            ("refused valid requests", str(len(self.tally.refused))),
            ("left in the outbox", str(self.left_in_outbox)),
            ("feed partitions behind", str(len(self.feed_behind))),
            *((f"{name} connections reset", str(n)) for name, n in sorted(self.connections_reset.items())),
            ("processes that died unkilled", str(len(self.unexpected_exits))),
            ("audit chain", "intact" if f.audit_intact else "BROKEN"),
            ("duration", f"{self.seconds:.0f} s"),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        for title, items in (
            ("lost", f.lost),
            ("duplicated", f.duplicated),
            ("out of order", f.out_of_order),
            ("leaked", f.leaked),
            ("workflow", f.workflows),
            ("refused", self.tally.refused),
            ("died", self.unexpected_exits),
            ("feed behind", self.feed_behind),
        ):
            lines += [f"{title}: {item}" for item in items[:10]]
        if not f.audit_intact:
            lines.append(f.audit)
        return "\n".join(lines)


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"{netloc[0]}@127.0.0.1:{port}" if len(netloc) == 2 else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=host))


async def run(options: Options) -> Report:
    shared = StackConfig.from_env()
    folder = shared.state_dir / "chaos" / uuid.uuid4().hex[:8]
    logs = folder / "logs"
    report = Report(options)
    rng = random.Random(options.seed)
    started = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        stack = await asyncio.to_thread(PrivateStack.start, shared, folder)
        cleanup.callback(_forget_unless_failed, report, folder)  # runs last, once everything has stopped
        cleanup.callback(stack.stop)
        issuer = TestIssuer(folder / "issuer")
        issuer.start()
        cleanup.callback(issuer.stop)
        direct = Deployment(stack.endpoints, issuer)
        await direct.create(*SERVICES)
        proxies = {
            "postgres": FaultyProxy("127.0.0.1", stack.endpoints.postgres_port),
            "kafka": FaultyProxy("127.0.0.1", stack.kafka_proxied[0]),
        }
        await proxies["postgres"].start()
        await proxies["kafka"].start(stack.kafka_proxied[1])
        proxied = Deployment(
            dataclasses.replace(
                stack.endpoints,
                postgres_admin_url=_with_port(stack.endpoints.postgres_admin_url, proxies["postgres"].port),
                kafka_bootstrap=f"127.0.0.1:{proxies['kafka'].port}",
            ),
            issuer,
            prefix=direct.prefix,
        )
        registry = Registry(folder / "feed.json")
        for subscriber in SUBSCRIBERS:
            registry.add(subscriber)
        fleet = Fleet(proxied, logs, registry.path)
        cleanup.callback(fleet.stop)  # before starting: a fleet that never got ready is stopped too
        await fleet.start()
        workload = Workload(
            fleet.urls,
            issuer,
            flows=10**9,
            contacts_per_agency=options.contacts_per_agency,
            concurrency=options.concurrency,
            seed=options.seed,
        )
        stop = asyncio.Event()
        driving = asyncio.create_task(workload.run(stop))
        try:
            for n, kind in enumerate(_schedule(options, rng)):
                await asyncio.sleep(rng.uniform(*options.gap_seconds))
                fleet.check_alive()
                await _inject(kind, rng, options, stack, proxies, fleet, report)
                report.injected[kind] += 1
                print(f"fault {n + 1}/{options.faults}: {kind}", file=sys.stderr)
            await asyncio.sleep(options.gap_seconds[1])
        finally:
            stop.set()
            await asyncio.wait_for(driving, timeout=300)
        fleet.check_alive()
        report.left_in_outbox = await wait_drained(direct, options.settle_seconds)
        await wait_applied(direct, workload.flows, workload.partnerships, options.settle_seconds)
        report.feed_behind = await wait_forwarded(
            direct, f"{direct.topic_prefix}feed", options.settle_seconds
        )
        report.findings = await check(direct, workload.flows, workload.partnerships, SUBSCRIBERS)
        fleet.check_alive()
        report.unexpected_exits = fleet.unexpected_exits
        report.tally = workload.tally
        for name, proxy in proxies.items():
            report.connections_reset[name] = proxy.resets
            await proxy.stop()
    report.seconds = time.monotonic() - started
    return report


def _forget_unless_failed(report: Report, folder: Path) -> None:
    """A run that failed, or ended in an exception, keeps its folder (data and logs) to look at."""
    if report.passed:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"kept for inspection: {folder}", file=sys.stderr)


def _schedule(options: Options, rng: random.Random) -> list[str]:
    """Every kind once first, in a shuffled order (a short run covers them all); then each kind its share of the
    rest by weight (rounded down, the remainder drawn by weight), shuffled."""
    first = rng.sample(options.kinds, len(options.kinds))[: options.faults]
    rest = options.faults - len(first)
    weights = [WEIGHTS.get(k, 1.0) for k in options.kinds]
    total = sum(weights)
    shares = [
        kind for kind, w in zip(options.kinds, weights, strict=True) for _ in range(int(rest * w / total))
    ]
    body = shares + rng.choices(options.kinds, weights, k=rest - len(shares))
    rng.shuffle(body)
    return first + body


async def _inject(
    kind: str,
    rng: random.Random,
    options: Options,
    stack: PrivateStack,
    proxies: dict[str, FaultyProxy],
    fleet: Fleet,
    report: Report,
) -> None:
    if kind.startswith("kill_") and kind != "kill_postgres":
        # An API, a relay or a consumer: any service's.
        victim = rng.choice(fleet.of_kind(kind.removeprefix("kill_")))
        report.killed[victim] += 1
        await fleet.kill(victim)
    elif kind == "kill_postgres":
        await asyncio.to_thread(stack.kill_postgres)
        await asyncio.sleep(rng.uniform(0.0, 2.0))
        await asyncio.to_thread(stack.restart_postgres)
    elif kind == "restart_temporal":
        await asyncio.to_thread(stack.restart_temporal)
    elif kind == "pause_kafka":
        stack.pause_kafka()
        try:
            await asyncio.sleep(rng.uniform(*options.kafka_pause_seconds))
        finally:
            stack.resume_kafka()
    elif kind in ("postgres_latency", "kafka_latency"):
        proxy = proxies[kind.split("_")[0]]
        proxy.latency = rng.uniform(0.02, 0.2)
        await asyncio.sleep(rng.uniform(1.0, 4.0))
        proxy.latency = 0.0
    elif kind in ("postgres_reset", "kafka_reset"):
        proxies[kind.split("_")[0]].reset_all()
    else:
        raise ValueError(f"unknown fault {kind!r}; known: {FAULT_KINDS}")
