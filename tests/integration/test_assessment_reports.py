"""Public reports through the assessment API on real PostgreSQL, without a token: only indicators coded
`public`, each country's latest measurement against the target, assessment outcomes of groups large enough
(totals withheld when they would reveal a small one), the partnership-wide and a member's local level, as JSON
and as a printable page rendered server-side (escaped, charts inline, no trainee id anywhere)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.assessment_world import (
    assessment,
    assigned,
    evaluator,
    lead,
    partnership,
    published_rubric,
    registered,
)
from tests.integration.test_assessment_findings import GOOD
from tests.integration.test_assessment_rubrics import scored
from tests.support import acting

__all__ = ["assessment"]  # the fixture


async def indicator(api: httpx.AsyncClient, pid: str, code: str, **fields: Any) -> str:
    body = {
        "id": str(uuid.uuid4()),
        "code": code,
        "name": f"{code.replace('_', ' ').capitalize()}",
        "unit": "investigations",
        "direction": "increase",
        "baseline": "2",
        "target": "6",
        **fields,
    }
    made = await api.post(f"/partnerships/{pid}/indicators", json=body, headers=lead(api))
    assert made.status_code == 201, made.text
    return str(body["id"])


async def measured(api: httpx.AsyncClient, indicator_id: str, country: str, value: str, quarter: int) -> None:
    start, end = {2: ("2026-04-01", "2026-06-30"), 3: ("2026-07-01", "2026-09-30")}[quarter]
    made = await api.post(
        f"/indicators/{indicator_id}/measurements",
        json={
            "id": str(uuid.uuid4()),
            "value": value,
            "period_start": start,
            "period_end": end,
            "source": f"{country} police statistics, dataset JI-7",
        },
        headers=acting(api, "national_system", country=country),
    )
    assert made.status_code == 201, made.text


async def test_the_public_report_shows_public_indicators_and_outcomes_of_large_groups_only(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    public = await indicator(
        assessment, pid, "joint_investigations", name="Joint investigations <opened>", handling_code="public"
    )
    internal = await indicator(assessment, pid, "informant_tips")
    await measured(assessment, public, "SN", "3", 2)
    await measured(assessment, public, "SN", "7", 3)
    await measured(assessment, public, "BR", "4", 3)
    await measured(assessment, internal, "SN", "99", 3)

    world = await published_rubric(assessment, pid)
    vid = world["version"]["id"]
    brazilian = await registered(assessment, pid, "BR")
    for number, rights in enumerate((4, 4, 0), start=1):
        task = await assigned(assessment, brazilian["id"], vid, f"SN-{number:04d}")
        made = await assessment.post(
            "/assessments",
            json=scored(vid, {**GOOD, "rights": rights}, task, trainee_id=f"SN-{number:04d}"),
            headers=evaluator(assessment, "BR"),
        )
        assert made.status_code == 201, made.text
    await assessment.put(
        f"/partnerships/{pid}/assessment-policy",
        json={"evaluators_of_own_country": True},
        headers=lead(assessment),
    )
    senegalese = await registered(assessment, pid, "SN")
    task = await assigned(assessment, senegalese["id"], vid, "BR-0001", country="BR")
    made = await assessment.post(
        "/assessments",
        json=scored(vid, GOOD, task, trainee_id="BR-0001", trainee_country_code="BR"),
        headers=evaluator(assessment, "SN"),
    )
    assert made.status_code == 201, made.text

    url = f"/public/partnerships/{pid}/reports/2026"
    answer = await assessment.get(url)  # no token
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["level"], report["period_start"], report["period_end"]) == (
        "partnership",
        "2026-01-01",
        "2026-12-31",
    )
    assert [i["code"] for i in report["indicators"]] == ["joint_investigations"], "only what is coded public"
    figures = report["indicators"][0]
    assert [(m["country_code"], m["value"], m["target_met"]) for m in figures["measurements"]] == [
        ("BR", "4.0000", False),
        ("SN", "7.0000", True),
    ], "each country's latest in the period"
    assert figures["target_met_by"] == ["SN"]
    [outcomes] = report["outcomes"]
    assert [(r["country_code"], r["assessed"], r["passed"], r["pass_rate"]) for r in outcomes["rows"]] == [
        ("SN", 3, 2, "0.667")
    ]
    assert (outcomes["suppressed_countries"], outcomes["totals_suppressed"]) == (1, True), (
        "Brazil's one trainee: the totals minus Senegal's row would show them"
    )
    for secret in ("SN-0001", "BR-0001", "evaluator-1", "dataset JI-7", "informant"):
        assert secret not in answer.text, secret

    quarter = (await assessment.get(f"/public/partnerships/{pid}/reports/2026-Q2")).json()
    assert [(m["country_code"], m["value"]) for m in quarter["indicators"][0]["measurements"]] == [
        ("SN", "3.0000")
    ]
    assert quarter["outcomes"] == []
    local = (await assessment.get(url, params={"country": "SN"})).json()
    assert local["level"] == "SN"
    assert [m["country_code"] for m in local["indicators"][0]["measurements"]] == ["SN"]
    assert [r["country_code"] for r in local["outcomes"][0]["rows"]] == ["SN"]
    brazil = (await assessment.get(url, params={"country": "BR"})).json()
    assert brazil["outcomes"][0]["rows"] == [] and brazil["outcomes"][0]["suppressed_countries"] == 1

    page = await assessment.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Joint investigations &lt;opened&gt;" in html and "<opened>" not in html, "escaped"
    assert '<svg role="img"' in html and "BR 4, SN 7; baseline 2, target 6" in html, (
        "the chart's text alternative"
    )
    assert "66.7 %" in html and "1 group(s) of fewer than 3 trainees withheld" in html
    for secret in ("SN-0001", "BR-0001", "dataset JI-7", "Informant tips"):
        assert secret not in html, secret
    printable = await assessment.get(url, params={"format": "html"})
    assert printable.headers["content-type"].startswith("text/html") and "<svg" in printable.text


async def test_a_report_needs_a_period_a_partnership_and_a_member(assessment: httpx.AsyncClient) -> None:
    pid = await partnership(assessment)
    bad = await assessment.get(f"/public/partnerships/{pid}/reports/2026-Q5")
    assert (bad.status_code, bad.json()["code"], bad.json()["errors"][0]["field"]) == (
        422,
        "period_invalid",
        "period",
    )
    assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = await assessment.get(f"/public/partnerships/{uuid.uuid4()}/reports/2026")
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["title"]) == (
        404,
        "partnership_not_found",
        "Not Found",
    ), "a 404 is titled as one"
    outsider = await assessment.get(f"/public/partnerships/{pid}/reports/2026", params={"country": "JP"})
    assert outsider.status_code == 404
    lowercase = await assessment.get(f"/public/partnerships/{pid}/reports/2026", params={"country": "sn"})
    assert lowercase.status_code == 422 and lowercase.json()["errors"][0]["field"] == "country"
    empty = (await assessment.get(f"/public/partnerships/{pid}/reports/2026")).json()
    assert (empty["indicators"], empty["outcomes"], empty["curriculum_revisions"]["raised"]) == ([], [], 0)
