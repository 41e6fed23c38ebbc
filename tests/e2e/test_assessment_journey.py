"""End to end: the evidence loop. A rubric is co-designed (a member proposes it, the lead submits it, the oversight
body votes it through the partners service); trainees are assessed by an external evaluator with no conflict of
interest (one with a conflict is refused, naming the rule); training certifies a trainee on the assessment's
result; the criterion most often failed becomes a finding that training accepts into its curriculum draft, and
the evaluation sees the outcome; the partnership's public report shows the outcomes without personal data.

Real processes (partners, training and assessment: API, relay, consumer) on the real PostgreSQL and Kafka. Nothing
is called across services: the rubric's submission reaches partners, the decision's outcome reaches assessment,
the results reach training, the finding reaches training and its answer reaches assessment, all as events.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.partnership_world import three_country_partnership
from tests.integration.assessment_world import version_body
from tests.integration.test_training_competencies import PACKAGE
from tests.support import Deployment, eventually, free_port, serve_process, wait_http_ok

COMPETENCY = "cf:chain-of-custody"
LEVELS = {"imaging": 4, "custody": 4, "proportion": 3, "interpreter": 3}


async def test_a_co_designed_rubric_assesses_certifies_reports_and_revises_the_curriculum(
    deployment: Deployment, process_logs: Path
) -> None:
    services = ("partners", "training", "assessment")
    await deployment.create(*services)
    ports = {service: free_port() for service in services}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    processes = [
        serve_process(
            deployment,
            service,
            role,
            process_logs,
            **({"http_port": ports[service]} if role == "api" else {}),
        )
        for service in services
        for role in ("api", "relay", "consumer")
    ]
    for process in processes:
        process.start()
    try:
        for index, service in enumerate(services):
            await wait_http_ok(f"{urls[service]}/readyz", process=processes[3 * index])
        assert deployment.issuer is not None
        issuer = deployment.issuer

        def as_(role: str, country: str, subject: str | None = None) -> dict[str, str]:
            return {"Authorization": f"Bearer {issuer.token(role, country=country, subject=subject)}"}

        national = {code: deployment.national_headers(code) for code in ("FR", "SN", "BR")}
        async with (
            httpx.AsyncClient(base_url=urls["partners"], timeout=30) as partners,
            httpx.AsyncClient(base_url=urls["training"], timeout=30) as training,
            httpx.AsyncClient(base_url=urls["assessment"], timeout=30) as assessment,
        ):
            pid, agency, seat = await three_country_partnership(partners, national, name="Atlantic evidence")
            lead = as_("programme_coordinator", "FR")

            # Training: the lead's curriculum draft the rubric assesses.
            imported = await training.post("/competencies/case", json=PACKAGE, headers=lead)
            assert imported.status_code == 200, imported.text
            draft = {
                "partnership_id": pid,
                "agency_id": agency["FR"],
                "code": "evidence-201",
                "title": "Digital evidence in practice",
                "language": "en",
                "modules": [
                    {
                        "code": "m1",
                        "title": "Seizure and custody",
                        "delivery_mode": "classroom",
                        "competencies": [{"code": COMPETENCY, "level": 2}],
                        "duration_minutes": 240,
                    }
                ],
            }

            async def curriculum_started() -> dict[str, Any] | None:
                made = await training.post("/curricula", json=draft, headers=lead)
                return made.json() if made.status_code == 201 else None

            curriculum = await eventually(
                curriculum_started, timeout=60, what="training learnt the partnership"
            )

            # Assessment: a rubric co-designed: Senegal proposes, France submits, the oversight body approves.
            rubric = {
                "id": str(uuid.uuid4()),
                "competency": COMPETENCY,
                "title": "Digital evidence handling",
                "curriculum_id": curriculum["id"],
                "module_ids": ["m1"],
            }

            async def rubric_created() -> bool:
                made = await assessment.post(f"/partnerships/{pid}/rubrics", json=rubric, headers=lead)
                return made.status_code in (200, 201)

            await eventually(rubric_created, timeout=60, what="assessment learnt the partnership")
            proposed = await assessment.post(
                f"/rubrics/{rubric['id']}/versions",
                json=version_body(),
                headers=as_("programme_coordinator", "SN"),
            )
            assert proposed.status_code == 201, proposed.text
            version_id = proposed.json()["id"]
            due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
            submitted = await assessment.post(
                f"/rubric-versions/{version_id}/submission", json={"decide_by": due}, headers=lead
            )
            assert submitted.status_code == 200, submitted.text

            async def decision() -> dict[str, Any] | None:
                listed = await partners.get(
                    f"/partnerships/{pid}/decisions",
                    params={"kind": "curriculum_approval"},
                    headers=national["FR"],
                )
                items = [
                    d
                    for d in listed.json()["items"]
                    if d["subject"] == f"assessment:rubric-version:{version_id}"
                ]
                return items[0] if items else None

            opened = await eventually(decision, timeout=60, what="partners opened the rubric's decision")
            for code in ("SN", "BR"):
                voted = await partners.post(
                    f"/decisions/{opened['id']}/votes",
                    json={"member_id": seat[code], "choice": "approve"},
                    headers=as_("oversight_member", code, f"{code}-{pid}"),
                )
                assert voted.status_code == 201, voted.text

            async def published() -> bool:
                versions = await assessment.get(f"/rubrics/{rubric['id']}/versions", headers=lead)
                return bool(versions.json()[0]["status"] == "published")

            await eventually(published, timeout=60, what="the decision published the rubric version")

            # Evaluators: a Senegalese agency's officer may not assess Senegal's trainees; a Brazilian academic may.
            evaluators = {}
            for key, country, kind, agency_id in (
                ("insider", "SN", "agency", agency["SN"]),
                ("academic", "BR", "academia", None),
            ):
                body = {
                    "id": str(uuid.uuid4()),
                    "subject": f"{key}@{country}",
                    "display_name": f"Dr. {key.title()}",
                    "affiliation_kind": kind,
                    "affiliation": "Police SN" if agency_id else "Universidade Federal",
                    "agency_id": agency_id,
                    "country_code": country,
                    "competencies": [COMPETENCY],
                }
                made = await assessment.post(f"/partnerships/{pid}/evaluators", json=body, headers=lead)
                assert made.status_code == 201, made.text
                evaluators[key] = body
            senegal = as_("national_coordinator", "SN")

            def assignment(evaluator: str, trainee: str) -> dict[str, Any]:
                return {
                    "id": str(uuid.uuid4()),
                    "evaluator_id": evaluators[evaluator]["id"],
                    "rubric_version_id": version_id,
                    "trainee_id": trainee,
                    "trainee_country_code": "SN",
                    "trainee_agency_id": agency["SN"],
                }

            conflicted = await assessment.post(
                "/assessment-assignments", json=assignment("insider", "SN-1"), headers=senegal
            )
            assert conflicted.status_code == 422 and conflicted.json()["code"] == "own_agency", (
                conflicted.text
            )
            academic = as_("evaluator", "BR", "academic@BR")
            results = {}
            for trainee, rights in (("SN-1", 4), ("SN-2", 3), ("SN-3", 0)):
                task = await assessment.post(
                    "/assessment-assignments", json=assignment("academic", trainee), headers=senegal
                )
                assert task.status_code == 201, task.text
                made = await assessment.post(
                    "/assessments",
                    json={
                        "id": str(uuid.uuid4()),
                        "assignment_id": task.json()["id"],
                        "rubric_version_id": version_id,
                        "kind": "observation",
                        "trainee_id": trainee,
                        "trainee_country_code": "SN",
                        "scores": [
                            {"criterion_id": c, "level": level, "evidence": f"Observed at level {level}"}
                            for c, level in {**LEVELS, "rights": rights}.items()
                        ],
                    },
                    headers=academic,
                )
                assert made.status_code == 201, made.text
                results[trainee] = made.json()
            assert [results[t]["passed"] for t in ("SN-1", "SN-2", "SN-3")] == [True, True, False]

            # Training certifies on the result (its event), and refuses the trainee who failed human rights.
            def certification(trainee: str) -> dict[str, Any]:
                return {
                    "trainee_id": trainee,
                    "trainee_name": f"Officer {trainee}",
                    "agency_id": agency["SN"],
                    "curriculum_ref": "evidence-201/v1",
                    "curriculum_completed": True,
                    "assessment_id": results[trainee]["id"],
                    "competencies": [COMPETENCY],
                    "level": 2,
                    "issuing_partnership_id": pid,
                    "issued_on": date.today().isoformat(),
                    "time_zone": "Africa/Dakar",
                }

            async def certified() -> dict[str, Any] | None:
                issued = await training.post("/certifications", json=certification("SN-1"), headers=senegal)
                return issued.json() if issued.status_code == 201 else None

            credential = await eventually(certified, timeout=60, what="training learnt the result")
            assert (credential["assessment_id"], credential["score"]) == (
                results["SN-1"]["id"],
                results["SN-1"]["percent"],
            )

            async def refused() -> dict[str, Any] | None:
                answer = await training.post("/certifications", json=certification("SN-3"), headers=senegal)
                return (
                    answer.json()
                    if answer.status_code == 422 and answer.json()["code"] == "not_eligible"
                    else None
                )

            refusal = await eventually(refused, timeout=60, what="training learnt the failed result")
            assert "human_rights" in refusal["detail"]

            # The failed criterion becomes a finding; training accepts it into the curriculum's draft.
            failures = await assessment.get(
                f"/rubrics/{rubric['id']}/versions/{version_id}/criterion-failures", headers=lead
            )
            worst = failures.json()[0]
            assert (worst["criterion_id"], worst["failed"], worst["assessed"]) == ("rights", 1, 3)
            finding = {
                "id": str(uuid.uuid4()),
                "rubric_version_id": version_id,
                "criterion_id": "rights",
                "summary": "Suspects' rights during seizure need a practical exercise",
            }
            raised = await assessment.post(f"/rubrics/{rubric['id']}/findings", json=finding, headers=lead)
            assert raised.status_code == 201, raised.text
            assert raised.json()["evidence"]["suppressed"] is True, (
                "one trainee's failure is no figure for all"
            )

            async def requested() -> dict[str, Any] | None:
                listed = await training.get(f"/curricula/{curriculum['id']}/revision-requests", headers=lead)
                items = [r for r in listed.json()["items"] if r["finding_id"] == finding["id"]]
                return items[0] if items else None

            request = await eventually(requested, timeout=60, what="the finding reached training")
            assert (request["source"], request["status"]) == ("assessment", "open")
            accepted = await training.post(
                f"/revision-requests/{request['id']}/acceptance",
                json={"note": "An exercise on rights during seizure goes into m1"},
                headers=lead,
            )
            assert (accepted.status_code, accepted.json()["draft_version"]) == (200, 1), accepted.text

            async def answered() -> dict[str, Any] | None:
                seen = (
                    await assessment.get(f"/findings/{finding['id']}", headers=as_("auditor", "SN"))
                ).json()
                return seen if seen["status"] != "raised" else None

            outcome = await eventually(answered, timeout=60, what="training's answer reached assessment")
            assert (outcome["status"], outcome["draft_version"]) == ("accepted", 1)

            # The public report: outcomes of a large enough group, the revision, and nobody's name or id.
            async with httpx.AsyncClient(base_url=urls["assessment"], timeout=30) as anyone:
                report = await anyone.get(f"/public/partnerships/{pid}/reports/{date.today().year}")
                page = await anyone.get(
                    f"/public/partnerships/{pid}/reports/{date.today().year}", params={"format": "html"}
                )
            assert report.status_code == 200, report.text
            [outcomes] = report.json()["outcomes"]
            assert outcomes["competency"] == COMPETENCY
            assert [(r["country_code"], r["assessed"], r["passed"]) for r in outcomes["rows"]] == [
                ("SN", 3, 2),
                (None, 3, 2),
            ]
            assert report.json()["curriculum_revisions"] == {"raised": 1, "accepted": 1, "declined": 0}
            for text in (report.text, page.text):
                for personal in ("SN-1", "SN-3", "academic@BR", "Officer", "Dr. Academic"):
                    assert personal not in text, personal
            assert page.status_code == 200 and "Assessment outcomes" in page.text
    finally:
        for process in reversed(processes):
            process.stop()
