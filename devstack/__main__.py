"""`python -m devstack run|up|stop|status|urls`: the local stack for `make run` and friends.

run    start PostgreSQL, Kafka, Temporal and every service process, print the URLs, stay in the foreground
       until Ctrl-C (then stop everything it started). When everything already runs, print the URLs and exit.
up     the same, but return once everything is ready (processes keep running; `make stop` stops them).
stop   stop everything the runner started (services first, then Temporal, Kafka and PostgreSQL).
status what runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

import httpx

from backbone.registry import SERVICES
from devstack.apps import app_processes, dead_apps, pid_file, start_apps, stop_apps
from devstack.config import StackConfig
from devstack.demo import seed_demo
from devstack.infra import Endpoints, components, ensure_infra, provision, secure_kafka, stop_infra
from devstack.process import log, read_pid, stop_from_pid_file


def urls(config: StackConfig, endpoints: Endpoints) -> str:
    lines = ["", "The training partnerships backbone is running:", ""]
    for service in SERVICES:
        base = f"http://{config.host}:{config.service_ports[service]}"
        lines.append(f"  {service:<11} {base}   (API docs {base}/docs, /healthz, /readyz, /metrics)")
    lines += [
        "",
        f"  Console     {config.console_url}  (sign in as a development person, e.g. Claire Dubois, FR delegate)",
        f"  Tokens      {config.issuer_url} (JWKS, client credentials); a user token for curl:",
        "              make -s token ROLE=national_coordinator COUNTRY=FR",
        f"  Temporal UI {endpoints.temporal_ui_url or '(external Temporal)'}",
        f"  Temporal    {endpoints.temporal_address}",
        f"  Kafka       {endpoints.kafka_bootstrap}",
        f"  PostgreSQL  {endpoints.postgres_host}:{endpoints.postgres_port} (one database and role per service)",
        f"  Logs        {config.logs_dir}/",
        "",
    ]
    return "\n".join(lines)


def bring_up(config: StackConfig) -> tuple[Endpoints, list[str]]:
    config.run_dir.mkdir(parents=True, exist_ok=True)
    endpoints, started = ensure_infra(config)
    asyncio.run(provision(endpoints))
    secure_kafka(config)
    started += start_apps(config, endpoints)
    try:
        if (demo := seed_demo(config)) is not None:
            log(f"demo partnership {demo}: its first gate awaits the delegates' votes in the console")
    except (httpx.HTTPError, RuntimeError) as exc:  # the stack runs regardless; the demo is a convenience
        log(f"the demo partnership could not be made ({exc}); the console works, with nothing pending")
    return endpoints, started


def stop_everything(config: StackConfig) -> None:
    stop_apps(config)
    stop_infra(config)


def cmd_run(config: StackConfig) -> int:
    supervisor = config.run_dir / "supervisor.pid"
    if read_pid(supervisor) is not None:
        endpoints, _ = ensure_infra(config)
        print(urls(config, endpoints))
        log("already running in another `make run`; use `make stop` to stop it")
        return 0
    endpoints, started = bring_up(config)
    print(urls(config, endpoints), flush=True)
    if not started:
        log("everything was already running; nothing to supervise (`make stop` stops it)")
        return 0
    supervisor.write_text(str(os.getpid()))
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    log("press Ctrl-C (or run `make stop`) to stop everything")
    try:
        while not stopping:
            time.sleep(1)
            dead = dead_apps(config, endpoints)
            if dead and not stopping:
                log(f"restarting processes that exited: {', '.join(dead)} (see {config.logs_dir})")
                start_apps(config, endpoints)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log("stopping ...")
        stop_everything(config)
        supervisor.unlink(missing_ok=True)
    return 0


def cmd_status(config: StackConfig) -> int:
    postgres, kafka, temporal = components(config)
    for name, comp in (("postgres", postgres), ("kafka", kafka), ("temporal", temporal)):
        print(f"{name:<20} {'external' if comp is None else ('running' if comp.is_running() else 'stopped')}")
    if config.run_dir.exists():
        fake = Endpoints(
            "postgresql://x@127.0.0.1:1/x", config.kafka_bootstrap, config.temporal_address, None
        )
        for proc in app_processes(config, fake):
            pid = read_pid(pid_file(config, proc.name))
            print(f"{proc.name:<20} {f'running (pid {pid})' if pid else 'stopped'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["run", "up", "stop", "status", "infra"])
    args = parser.parse_args()
    config = StackConfig.from_env()
    if args.command == "run":
        return cmd_run(config)
    if args.command == "up":
        endpoints, _ = bring_up(config)
        print(urls(config, endpoints))
        return 0
    if args.command == "infra":
        endpoints, _ = ensure_infra(config)
        asyncio.run(provision(endpoints))
        secure_kafka(config)
        return 0
    if args.command == "stop":
        supervisor = config.run_dir / "supervisor.pid"
        if read_pid(supervisor) is not None:
            stop_from_pid_file(supervisor, name="make run", timeout=60)
        stop_everything(config)
        return 0
    return cmd_status(config)


if __name__ == "__main__":
    sys.exit(main())
