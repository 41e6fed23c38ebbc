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
    partners: httpx.AsyncClient,
    national: dict[str, dict[str, str]],
    *,
    name: str,
    delegates: dict[str, tuple[str, str]] | None = None,
    veto: str | None = None,
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The partnership's id, each country's agency id and each country's oversight seat id (its delegate's
    token subject is `<code>-<partnership id>`, or the (subject, name) given in `delegates`); two approvals
    decide; `veto`: the country whose delegate holds one."""
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
        subject, person = (delegates or {}).get(code, (f"{code}-{pid}", f"{code} delegate"))
        added = await partners.post(
            f"/partnerships/{pid}/oversight-members",
            json={
                "name": person,
                "country_code": code,
                "role": role,
                "holds_veto": code == veto,
                "subject": subject,
            },
            headers=national[code],
        )
        assert added.status_code == 201, added.text
        seat[code] = added.json()["id"]
    return pid, agency, seat
