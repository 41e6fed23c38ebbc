"""`make bench ONLY=T2`: a gate vote's round trip through the API against a Temporal query's round trip.

Partnerships are onboarded over HTTP up to their first gate, each with an oversight body of a veto holder who never
votes (so the decision stays open) and ten delegates, as many as the votes measured need. Each round, one after another:
  (a) queries of the onboarding workflow's status, sent straight to Temporal through partners' door (the
      baseline);
  (b) votes, each a POST /decisions/{id}/votes by its delegate: the API sends it to the workflow as an Update,
      whose validator answers, then its activity records the vote through the partners API (a commit with its
      outbox event and audit) before the Update returns;
  (c) for the analysis only, the same Update sent straight to Temporal through the door (no HTTP, no auth, no
      policy), and
      (d) an Update that does nothing, on a workflow that only waits: Temporal's own floor for an Update.
The ratio is the median per-round ratio of p50s, (b) over (a). Goal: <= 2x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from backbone.temporal import connect_client
from benchmarks.served import Served, partners_api
from benchmarks.table import Row, median_ratio, percentile, run_standalone
from benchmarks.trivial_workflow import OpenWorkflow
from rules.phases import GATE_CRITERIA
from services.partners import processes
from services.partners.decisions.service import BALLOT_STATUS
from workflows.partnership_onboarding.shared import CastBallot
from workflows.worker import create_worker, worker_settings

BODY = 10
"""Delegates in each oversight body (besides its veto holder)."""

AGREEMENT = {
    "kind": "treaty",
    "reference": "BENCH-T2",
    "signed_on": "2026-09-01",
    "starts_on": "2026-10-01",
    "ends_on": "2030-09-30",
}


async def _ok(response: Awaitable[httpx.Response], status: int = 201) -> dict[str, Any]:
    answered = await response
    if answered.status_code != status:
        raise RuntimeError(
            f"{answered.request.method} {answered.request.url}: {answered.status_code} {answered.text}"
        )
    body: dict[str, Any] = answered.json()
    return body


async def gate(
    served: Served, http: httpx.AsyncClient, delegates: int
) -> tuple[str, str, list[tuple[str, str]]]:
    """A partnership at its first gate: (partnership id, decision id, [(delegate member id, subject)])."""
    fr, sn = served.coordinator("FR"), served.coordinator("SN")
    agencies = []
    for headers, code, country in ((fr, "FR", "France"), (sn, "SN", "Senegal")):
        agency = await _ok(
            http.post(
                "/agencies",
                json={
                    "country": {"code": code, "name": country},
                    "name": f"T2 {uuid.uuid4().hex[:8]}",
                    "agency_type": "police",
                },
                headers=headers,
            )
        )
        agencies.append(agency["id"])
    partnership = await _ok(
        http.post(
            "/partnerships",
            json={
                "name": f"T2 partnership {uuid.uuid4().hex[:8]}",
                "agreement": AGREEMENT,
                "voting_rule": {"kind": "members", "approvals_needed": 1},
                "members": [
                    {"agency_id": agencies[0], "role": "lead"},
                    {"agency_id": agencies[1], "role": "host"},
                ],
            },
            headers=fr,
        )
    )
    pid = partnership["id"]
    # The veto holder never votes: approvals cannot close the decision while a veto is pending.
    await _ok(
        http.post(
            f"/partnerships/{pid}/oversight-members",
            json={
                "name": "Veto holder",
                "country_code": "FR",
                "role": "diplomat",
                "holds_veto": True,
                "subject": f"t2-veto-{pid}",
            },
            headers=fr,
        )
    )
    seats = []
    for n in range(delegates):
        subject = f"t2-{n}-{pid}"
        member = await _ok(
            http.post(
                f"/partnerships/{pid}/oversight-members",
                json={
                    "name": f"Delegate {n}",
                    "country_code": "SN",
                    "role": "senior_police_official",
                    "subject": subject,
                },
                headers=sn,
            )
        )
        seats.append((member["id"], subject))
    await _ok(http.post(f"/partnerships/{pid}/onboarding", json={}, headers=fr), 202)
    for criterion in GATE_CRITERIA["familiarization"]:
        await _ok(
            http.post(f"/partnerships/{pid}/onboarding/criteria", json={"criterion": criterion}, headers=fr),
            202,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = (await _ok(http.get(f"/partnerships/{pid}/onboarding", headers=fr), 200))["status"]
        if status["open_decision"] is not None:
            return pid, status["open_decision"]["decision_id"], seats
    raise RuntimeError("the gate decision did not open within 60 s")


async def _timed(calls: list[Callable[[], Awaitable[object]]]) -> list[float]:
    took = []
    for call in calls:
        start = time.perf_counter()
        await call()
        took.append(time.perf_counter() - start)
    return took


async def measure(per_round: int = 25, rounds: int = 4) -> list[Row]:
    p50s: dict[str, list[float]] = {"query": [], "api": [], "direct": [], "bare": []}
    everything: dict[str, list[float]] = {kind: [] for kind in p50s}
    async with partners_api() as served:
        deployment = served.deployment
        settings = worker_settings(**deployment.overrides("worker"), partners_url=served.url)
        client: Client = await connect_client(deployment.settings("partners"))
        async with (
            httpx.AsyncClient(
                base_url=settings.partners_url, timeout=20, auth=settings.service_auth()
            ) as service,
            create_worker(client, settings, service),
            Worker(client, task_queue=f"{deployment.task_queue}-bare", workflows=[OpenWorkflow]),
            httpx.AsyncClient(base_url=served.url, timeout=20) as http,
        ):
            bare = await client.start_workflow(
                OpenWorkflow.run, id=f"bench-t2-{uuid.uuid4()}", task_queue=f"{deployment.task_queue}-bare"
            )
            # Bodies of BODY delegates, as many as every vote needs: a decision's view (returned with each vote)
            # lists its ballots, so one decision taking every vote would make later votes dearer.
            ballots = [
                (pid, decision, member, subject)
                for _ in range(-(-2 * per_round * (rounds + 1) // BODY))
                for pid, decision, seats in [await gate(served, http, BODY)]
                for member, subject in seats
            ]
            assert served.issuer is not None
            issuer = served.issuer

            def by_api(decision: str, member_id: str, subject: str) -> Callable[[], Awaitable[object]]:
                token = issuer.token("oversight_member", country="SN", subject=subject)
                return lambda: _ok(
                    http.post(
                        f"/decisions/{decision}/votes",
                        json={"member_id": member_id, "choice": "approve"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                )

            def direct(pid: str, member_id: str) -> Callable[[], Awaitable[object]]:
                ballot = CastBallot(member_id=member_id, choice="approve")
                return lambda: processes.vote_on_gate(client, pid, ballot, refusals=BALLOT_STATUS)

            queried = ballots[0][0]
            for round_no in range(rounds + 1):
                mine = ballots[2 * per_round * round_no : 2 * per_round * (round_no + 1)]
                took = {
                    "query": await _timed([lambda: processes.onboarding_status(client, queried)] * per_round),
                    "api": await _timed([by_api(d, m, s) for _, d, m, s in mine[:per_round]]),
                    "direct": await _timed([direct(p, m) for p, _, m, _ in mine[per_round:]]),
                    "bare": await _timed([lambda: bare.execute_update(OpenWorkflow.touch)] * per_round),
                }
                line = ", ".join(f"{k} p50 {percentile(v, 50) * 1000:.1f} ms" for k, v in took.items())
                print(f"{'warm-up' if round_no == 0 else f'round {round_no}'}: {line}", file=sys.stderr)
                if round_no:
                    for kind, values in took.items():
                        p50s[kind].append(percentile(values, 50))
                        everything[kind].extend(values)
            await bare.signal(OpenWorkflow.finish)
    ratio = median_ratio(p50s["api"], p50s["query"])
    direct_ratio = median_ratio(p50s["direct"], p50s["query"])
    bare_ratio = median_ratio(p50s["bare"], p50s["query"])
    ms = {kind: statistics.median(values) * 1000 for kind, values in p50s.items()}
    p99 = {kind: percentile(values, 99) * 1000 for kind, values in everything.items()}
    return [
        Row(
            "T2",
            f"gate vote through the API (Update + record_vote activity), {per_round} a round, one at a time",
            f"Temporal query round trip p50 {ms['query']:.1f} ms (p99 {p99['query']:.1f})",
            f"vote via API p50 {ms['api']:.1f} ms (p99 {p99['api']:.1f}); the same Update sent straight to "
            f"Temporal p50 {ms['direct']:.1f} ms ({direct_ratio:.1f}x); an Update that does nothing p50 "
            f"{ms['bare']:.1f} ms ({bare_ratio:.1f}x)",
            f"{ratio:.2f}x",
            "<= 2x",
            ratio <= 2,
            {
                "ratio": ratio,
                "direct_ratio": direct_ratio,
                "bare_ratio": bare_ratio,
                **{f"p50_ms_{k}": v for k, v in ms.items()},
            },
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--votes", type=int, default=25, help="votes a round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.votes, args.rounds)))
