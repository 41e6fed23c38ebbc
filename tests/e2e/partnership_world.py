"""What an end-to-end journey starts from: a partnership of France (lead), Senegal (host) and Brazil created
over the partners API, each country with its agency and its delegate on the oversight body (no veto)."""

from __future__ import annotations

import httpx

AGREEMENT = {
    "kind": "mou",
    "reference": "MOU-2026-12",
    "signed_on": "2026-09-01",
    "starts_on": "2026-10-01",
    "ends_on": "2030-09-30",
}
COUNTRIES = (
    ("FR", "France", "diplomat"),
    ("SN", "Senegal", "justice_ministry_representative"),
    ("BR", "Brazil", "senior_police_official"),
)


async def three_country_partnership(
    partners: httpx.AsyncClient, national: dict[str, dict[str, str]], *, name: str
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The partnership's id, each country's agency id and each country's oversight seat id (its delegate's
    token subject is `<code>-<partnership id>`); two approvals decide."""
    agency: dict[str, str] = {}
    for code, country, _ in COUNTRIES:
        created = await partners.post(
            "/agencies",
            json={
                "country": {"code": code, "name": country},
                "name": f"Police {code}",
                "agency_type": "police",
            },
            headers=national[code],
        )
        assert created.status_code == 201, created.text
        agency[code] = created.json()["id"]
    registered = await partners.post(
        "/partnerships",
        json={
            "name": name,
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 2},
            "members": [
                {"agency_id": agency["FR"], "role": "lead"},
                {"agency_id": agency["SN"], "role": "host"},
                {"agency_id": agency["BR"], "role": "member"},
            ],
        },
        headers=national["FR"],
    )
    assert registered.status_code == 201, registered.text
    pid: str = registered.json()["id"]
    seat: dict[str, str] = {}
    for code, _, role in COUNTRIES:
        added = await partners.post(
            f"/partnerships/{pid}/oversight-members",
            json={
                "name": f"{code} delegate",
                "country_code": code,
                "role": role,
                "holds_veto": False,
                "subject": f"{code}-{pid}",
            },
            headers=national[code],
        )
        assert added.status_code == 201, added.text
        seat[code] = added.json()["id"]
    return pid, agency, seat
