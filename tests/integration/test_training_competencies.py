"""The competency framework through the training API: an IMS CASE package in, versions for what changed, and
the same shape out (a round trip keeps every competency, its identifier and its level scale)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.test_training_facilities import training
from tests.support import acting

__all__ = ["training"]  # the fixture

PACKAGE: dict[str, Any] = {
    "CFDocument": {"title": "Law-enforcement training competencies", "version": "2026.1"},
    "CFItems": [
        {
            "humanCodingScheme": "cf:chain-of-custody",
            "fullStatement": "Chain of custody",
            "educationLevelCount": 5,
        },
        {"humanCodingScheme": "cf:evidence-admissibility", "fullStatement": "Evidence admissibility"},
        {
            "humanCodingScheme": "cf:human-rights",
            "fullStatement": "Human rights in policing",
            "notes": "UN basics",
        },
    ],
    "CFAssociations": [],
}


async def test_a_case_package_round_trips_and_changes_make_versions(training: httpx.AsyncClient) -> None:
    editor = acting(training, "programme_coordinator", country="FR")
    first = await training.post("/competencies/case", json=PACKAGE, headers=editor)
    assert first.status_code == 200, first.text
    assert sorted(first.json()["created"]) == sorted(i["humanCodingScheme"] for i in PACKAGE["CFItems"])
    again = await training.post("/competencies/case", json=PACKAGE, headers=editor)
    assert again.json() == {"created": [], "revised": [], "unchanged": sorted(again.json()["unchanged"])}
    changed = {**PACKAGE, "CFDocument": {"title": "x", "version": "2026.2"}}
    changed["CFItems"] = [{**PACKAGE["CFItems"][0], "fullStatement": "Chain of custody of digital evidence"}]
    revised = await training.post("/competencies/case", json=changed, headers=editor)
    assert revised.json()["revised"] == ["cf:chain-of-custody"]

    reader = acting(training, "trainee", country="SN")
    exported = (await training.get("/competencies/case", headers=reader)).json()
    items = {i["humanCodingScheme"]: i for i in exported["CFItems"]}
    assert set(items) == {"cf:chain-of-custody", "cf:evidence-admissibility", "cf:human-rights"}
    assert items["cf:chain-of-custody"]["version"] == 2
    assert items["cf:chain-of-custody"]["fullStatement"] == "Chain of custody of digital evidence"
    assert (
        items["cf:human-rights"]["notes"] == "UN basics"
        and items["cf:evidence-admissibility"]["educationLevelCount"] == 5
    )
    assert exported["CFDocument"]["version"] == "2026.2"
    assert {a["originNodeURI"]["identifier"] for a in exported["CFAssociations"]} == {
        i["identifier"] for i in items.values()
    }
    reimported = await training.post("/competencies/case", json=exported, headers=editor)
    assert reimported.json()["created"] == [] and reimported.json()["revised"] == [], (
        "its own export changes nothing"
    )


async def test_a_bad_package_is_refused_with_the_field_named(training: httpx.AsyncClient) -> None:
    editor = acting(training, "programme_coordinator", country="FR")
    bad = {**PACKAGE, "CFItems": [{"humanCodingScheme": "Chain Of Custody", "fullStatement": "x"}]}
    refused = await training.post("/competencies/case", json=bad, headers=editor)
    assert refused.status_code == 422 and "humanCodingScheme" in refused.text
    assert (
        await training.post(
            "/competencies/case", json=PACKAGE, headers=acting(training, "trainee", country="FR")
        )
    ).status_code == 403
