"""A demo world for a fresh `make run`: the console can be tried at once, signed in as a development person.

France (lead), Senegal and Brazil form a partnership over the partners API, each country seats its development
delegate (backbone/issuer/people.py: Claire Dubois, Aminata Diallo, Rafael Souza) on the oversight body, and
onboarding starts; every agency's capacities are mapped, so the first phase gate opens for their votes. Made once
per state folder (`make clean` forgets it), through the APIs like any partner would, never into the databases.
"""

from __future__ import annotations

import time

import httpx

from backbone.issuer.keys import KeyStore, user_claims
from backbone.registry import ALL_AUDIENCES
from devstack.config import StackConfig

NAME = "Demo: Sahel-Atlantic forensics partnership"
COUNTRIES = (("FR", "France", "lead"), ("SN", "Senegal", "host"), ("BR", "Brazil", "member"))
DELEGATES = {
    "FR": ("delegate.fr", "Claire Dubois"),
    "SN": ("delegate.sn", "Aminata Diallo"),
    "BR": ("delegate.br", "Rafael Souza"),
}


def seed_demo(config: StackConfig) -> str | None:
    """The demo partnership's id when it was made now; None when an earlier run made it."""
    marker = config.state_dir / "demo" / "partnership"
    if marker.exists():
        return None
    store = KeyStore(config.state_dir / "issuer")

    def coordinator(code: str) -> dict[str, str]:
        claims = user_claims(
            issuer=config.issuer_url,
            audience=list(ALL_AUDIENCES),
            subject=f"coordinator.{code.lower()}",
            roles=["national_coordinator"],
            country=code,
            ttl_seconds=600,
        )
        return {"Authorization": f"Bearer {store.sign(claims)}"}

    base = f"http://{config.host}:{config.service_ports['partners']}"
    with httpx.Client(base_url=base, timeout=30) as http:
        agencies: dict[str, str] = {}
        for code, country, _ in COUNTRIES:
            agencies[code] = _created(
                http.post(
                    "/agencies",
                    json={
                        "country": {"code": code, "name": country},
                        "name": f"Police nationale ({country})",
                        "agency_type": "police",
                    },
                    headers=coordinator(code),
                )
            )["id"]
        pid = _created(
            http.post(
                "/partnerships",
                json={
                    "name": NAME,
                    "agreement": {
                        "kind": "mou",
                        "reference": "MOU-DEMO-1",
                        "signed_on": "2026-09-01",
                        "starts_on": "2026-10-01",
                        "ends_on": "2030-09-30",
                    },
                    "voting_rule": {"kind": "members", "approvals_needed": 2},
                    "members": [{"agency_id": agencies[code], "role": role} for code, _, role in COUNTRIES],
                },
                headers=coordinator("FR"),
            )
        )["id"]
        for code, (subject, name) in DELEGATES.items():
            _created(
                http.post(
                    f"/partnerships/{pid}/oversight-members",
                    json={
                        "name": name,
                        "country_code": code,
                        "role": "diplomat",
                        "holds_veto": False,
                        "subject": subject,
                    },
                    headers=coordinator(code),
                )
            )
        _created(http.post(f"/partnerships/{pid}/onboarding", json={}, headers=coordinator("FR")))
        for code, agency in agencies.items():
            _created(
                http.post(
                    f"/agencies/{agency}/capacity-profiles",
                    json={"competency": "chain_of_custody", "current_level": 2, "target_level": 4},
                    headers=coordinator(code),
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the gate opens once the consumer has seen every profile
            status = http.get(f"/partnerships/{pid}/onboarding", headers=coordinator("FR")).json()["status"]
            if status["open_decision"]:
                break
            time.sleep(1)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(pid)
    return str(pid)


def _created(answer: httpx.Response) -> dict[str, str]:
    if answer.status_code not in (200, 201, 202):
        raise RuntimeError(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
        )
    body: dict[str, str] = answer.json()
    return body
