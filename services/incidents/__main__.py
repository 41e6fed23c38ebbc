"""Operations staff's command line: `python -m services.incidents declare|resolve|close ...`.

It calls the incidents API like any client: `--url` (default: the local stack's incidents service) with the
bearer token in `INCIDENTS_TOKEN` (in development: `make -s token ROLE=operations_staff COUNTRY=FR`).
Prints the API's answer as JSON; exits 1 with the problem's detail when the API refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

import httpx

from backbone.registry import DEFAULT_SERVICE_PORTS


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m services.incidents", description=__doc__.splitlines()[0])
    cli.add_argument(
        "--url",
        default=os.environ.get("INCIDENTS_URL", f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['incidents']}"),
    )
    commands = cli.add_subparsers(dest="command", required=True)
    declare = commands.add_parser("declare", help="declare an incident")
    declare.add_argument("--partnership", required=True)
    declare.add_argument("--kind", required=True)
    declare.add_argument("--severity", required=True)
    declare.add_argument("--environment-kind", required=True)
    declare.add_argument("--environment-id", required=True)
    declare.add_argument("--description", required=True)
    declare.add_argument("--handling-code", default="originator")
    declare.add_argument("--affected", default="", help="comma-separated countries, e.g. SN,BR")
    resolve = commands.add_parser("resolve", help="resolve an incident")
    resolve.add_argument("incident")
    resolve.add_argument("--summary", required=True)
    close = commands.add_parser("close", help="close a resolved incident")
    close.add_argument("incident")
    return cli


def request_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    if args.command == "declare":
        return "/incidents", {
            "partnership_id": args.partnership,
            "kind": args.kind,
            "severity": args.severity,
            "environment": {"kind": args.environment_kind, "id": args.environment_id},
            "description": args.description,
            "handling_code": args.handling_code,
            "affected_countries": [c for c in args.affected.split(",") if c],
        }
    if args.command == "resolve":
        return f"/incidents/{args.incident}/resolution", {"summary": args.summary}
    return f"/incidents/{args.incident}/closure", {}


async def run(argv: list[str], *, transport: httpx.AsyncBaseTransport | None = None) -> int:
    args = parser().parse_args(argv)
    token = os.environ.get("INCIDENTS_TOKEN")
    if not token:
        print("INCIDENTS_TOKEN is not set (make -s token ROLE=operations_staff COUNTRY=..)", file=sys.stderr)
        return 2
    path, body = request_of(args)
    async with httpx.AsyncClient(base_url=args.url, transport=transport, timeout=30) as http:
        response = await http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    answer = response.json()
    if response.status_code >= 400:
        print(f"{response.status_code} {answer.get('code')}: {answer.get('detail')}", file=sys.stderr)
        for error in answer.get("errors", []):
            print(f"  {error.get('field')}: {error.get('message')}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(sys.argv[1:])))
