"""Indicators and measurements through the assessment API on real PostgreSQL: the lead defines an indicator; a
member country's national system reports its aggregates (never another country's name on them); each is
announced as assessment.indicator_measured.v1 for finance's tranches; members read progress to the target."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx

from tests.integration.assessment_world import assessment, lead, partnership
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture


def indicator_body(**fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "code": "cross_border_arrests",
        "name": "Arrests in cross-border cases",
        "unit": "arrests",
        "direction": "increase",
        "baseline": "4",
        "target": "10",
        **fields,
    }


def measured(value: str, **fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "value": value,
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "source": "SN national police case system, quarterly aggregate",
        **fields,
    }


async def test_national_systems_report_aggregates_and_each_measurement_is_announced(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    url = f"/partnerships/{pid}/indicators"
    senegal_ncu = acting(assessment, "national_coordinator", country="SN")
    assert (await assessment.post(url, json=indicator_body(), headers=senegal_ncu)).status_code == 403
    bad = await assessment.post(url, json=indicator_body(direction="sideways"), headers=lead(assessment))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "direction", bad.text
    body = indicator_body()
    made = await assessment.post(url, json=body, headers=lead(assessment))
    assert made.status_code == 201 and made.json()["latest"] is None, made.text
    twin = await assessment.post(url, json=indicator_body(), headers=lead(assessment))
    assert (twin.status_code, twin.json()["errors"][0]["field"]) == (422, "code"), twin.text

    reports = f"/indicators/{body['id']}/measurements"
    senegal = acting(assessment, "national_system", country="SN", subject="sn-police-stats")
    assert (await assessment.post(reports, json=measured("7"), headers=senegal_ncu)).status_code == 403
    japan = acting(assessment, "national_system", country="JP")
    assert (await assessment.post(reports, json=measured("7"), headers=japan)).status_code == 404
    future = measured("7", period_end=(date.today() + timedelta(days=30)).isoformat())
    refused = await assessment.post(reports, json=future, headers=senegal)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "period_end"), refused.text
    backwards = await assessment.post(reports, json=measured("7", period_start="2026-07-01"), headers=senegal)
    assert backwards.status_code == 422, backwards.text
    case_data = await assessment.post(reports, json={**measured("7"), "suspect": "J. Doe"}, headers=senegal)
    assert case_data.status_code == 422, "aggregates only: no other field is taken"

    first = measured("7")
    answer = await assessment.post(reports, json=first, headers=senegal)
    assert (answer.status_code, answer.json()["target_met"]) == (201, False), answer.text
    assert (await assessment.post(reports, json=first, headers=senegal)).status_code == 200
    changed = await assessment.post(reports, json={**first, "value": "8"}, headers=senegal)
    assert (changed.status_code, changed.json()["code"]) == (409, "measurement_id_reused")
    brazil = acting(assessment, "national_system", country="BR")
    met = measured("11", period_start="2026-07-01", period_end="2026-09-30", source="BR federal police")
    assert (await assessment.post(reports, json=met, headers=brazil)).json()["target_met"] is True

    listed = (await assessment.get(url, headers=acting(assessment, "auditor", country="SN"))).json()
    assert [(i["code"], i["latest"]["value"], i["progress"]) for i in listed] == [
        ("cross_border_arrests", "11.0000", "1.1667")
    ]
    events = [envelope_of(r) for r in await outbox_records(assessment, "assessment.indicator_measured.v1")]
    assert [(e.data["indicator"], Decimal(e.data["value"])) for e in events] == [
        ("cross_border_arrests", Decimal(7)),
        ("cross_border_arrests", Decimal(11)),
    ], "every measurement: finance's tranches judge each against their own target"
    assert all(e.extensions["handling"] == "partnership" for e in events)
