"""In a real browser: an operator declares an incident under the partnership's approved protocol, in a place the
partnership owns, sees the workflow's escalation appear, works it to closure; an outsider sees none of it.

Real processes: partners (API, relay), incidents (API, relay, consumer: it learns the partnership from partners'
events and the lab from training's), the Temporal worker (IncidentResponseWorkflow escalates a high-severity
incident through the incidents API) and the console, on the real PostgreSQL, Kafka and Temporal.
"""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import httpx
from playwright.async_api import async_playwright, expect

from tests.browser.support import check_page, launch, sign_in
from tests.e2e.partnership_world import three_country_partnership
from tests.integration.test_incidents import STEPS, approved_protocol, cohort_at
from tests.support import (
    Deployment,
    ServiceProcess,
    eventually,
    free_port,
    publish,
    serve_process,
    wait_http_ok,
)


async def test_an_operator_declares_an_incident_and_works_it_in_the_console(
    deployment: Deployment, process_logs: Path
) -> None:
    issuer = deployment.issuer
    assert issuer is not None
    await deployment.create("partners", "incidents")
    ports = {name: free_port() for name in ("partners", "incidents", "console")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer.store.register_public_client(
        "backbone-console",
        [f"{url['console']}/auth/callback"],
        post_logout_redirect_uris=[f"{url['console']}/"],
    )
    processes = [
        serve_process(deployment, "partners", "api", process_logs, http_port=ports["partners"]),
        serve_process(deployment, "partners", "relay", process_logs),
        serve_process(deployment, "incidents", "api", process_logs, http_port=ports["incidents"]),
        serve_process(deployment, "incidents", "relay", process_logs),
        serve_process(deployment, "incidents", "consumer", process_logs),
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=url["partners"], incidents_url=url["incidents"]),
            process_logs,
        ),
        ServiceProcess(
            "console",
            [sys.executable, "-m", "console"],
            deployment.env(
                "console",
                http_port=ports["console"],
                public_url=url["console"],
                partners_url=url["partners"],
                incidents_url=url["incidents"],
            ),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        for name, process in (
            ("partners", processes[0]),
            ("incidents", processes[2]),
            ("console", processes[-1]),
        ):
            await wait_http_ok(f"{url[name]}/readyz", process=process)
        national = {code: deployment.national_headers(code) for code in ("FR", "SN", "BR")}
        async with httpx.AsyncClient(base_url=url["partners"], timeout=30) as partners:
            pid, _, _ = await three_country_partnership(partners, national, name="Gulf of Guinea cyber labs")
        lab = str(uuid.uuid4())
        ops_fr = issuer.headers("operations_staff", country="FR")
        async with httpx.AsyncClient(base_url=url["incidents"], timeout=30) as incidents:
            environments = f"/partnerships/{pid}/environments"

            async def knows_partnership() -> bool:
                return (await incidents.get(environments, headers=ops_fr)).status_code == 200

            await eventually(knows_partnership, timeout=60, what="incidents learnt the partnership")
            await publish(deployment, cohort_at(pid, lab, organiser="FR"), source="/training", key=pid)

            async def knows_lab() -> bool:
                found = (await incidents.get(environments, headers=ops_fr)).json()["items"]
                return any(e["id"] == lab for e in found)

            await eventually(knows_lab, timeout=60, what="incidents learnt the partnership's lab")
            incidents.deployment = deployment  # type: ignore[attr-defined]  # for the shared protocol helper
            await approved_protocol(incidents, pid)  # FR's author writes it, SN's reviewer approves it

        async with async_playwright() as playwright:
            browser = await launch(playwright)
            operator, outsider = [await (await browser.new_context()).new_page() for _ in range(2)]
            console = url["console"]
            await sign_in(operator, console, "Élise Laurent")
            await operator.get_by_role("link", name="Opérations").click()
            await expect(operator.get_by_role("heading", level=1)).to_have_text("Opérations")
            await check_page(operator, "21-operations-board")
            await operator.get_by_label("Langue").select_option("en")
            await operator.get_by_role("button", name="Appliquer").click()

            # Declare: the partnership, then its approved protocol in a place it owns; the API's checks apply.
            await operator.get_by_role("link", name="Declare an incident").click()
            await operator.get_by_label("Partnership").select_option(label="Gulf of Guinea cyber labs")
            await operator.get_by_role("button", name="Continue").click()
            await check_page(operator, "22-declare-form")
            place = operator.get_by_label("Protocol and place")
            await place.select_option(value=f"cyber_intrusion|virtual_lab|{lab}")
            await operator.get_by_label("high").check()
            await operator.get_by_label("What happened").fill("ab")  # too short: the API refuses it
            await operator.evaluate("document.querySelector('#description').removeAttribute('minlength')")
            await operator.get_by_role("button", name="Declare").click()
            await expect(operator.locator("#description-error")).to_be_visible()
            await expect(operator.get_by_label("Protocol and place")).to_have_value(
                f"cyber_intrusion|virtual_lab|{lab}"
            )
            await check_page(operator, "23-declare-refused-inline")
            await operator.get_by_label("What happened").fill(
                "Unknown host scanning the lab's evidence server"
            )
            await operator.get_by_label("SN").check()
            await operator.get_by_role("button", name="Declare").click()
            await operator.wait_for_url(f"{console}/incidents/*")
            incident_id = operator.url.rsplit("/", 1)[-1]
            await expect(operator.locator("body")).to_have_attribute("data-live-connected", "true")

            # The workflow escalates a high-severity incident; the timeline shows it.
            await expect(operator.locator('li[data-what="escalated"]')).to_contain_text(
                "severity:high", timeout=60_000
            )
            await check_page(operator, "24-incident-escalated")
            await operator.get_by_role("button", name="Mark done").click()
            await expect(operator.locator("table tr", has_text=str(STEPS[0]["title"]))).not_to_contain_text(
                "not yet"
            )
            await operator.get_by_label("Resolution summary").fill(
                "Lab isolated and restored from a clean image"
            )
            await operator.get_by_role("button", name="Resolve").click()
            await expect(operator.locator("[data-status]")).to_have_attribute("data-status", "resolved")
            await operator.get_by_role("button", name="Close the incident").click()
            await expect(operator.locator("[data-status]")).to_have_attribute("data-status", "closed")
            await check_page(operator, "25-incident-closed")

            # A drill: planned on a cycle, run now, its steps acknowledged, debriefed, its action done.
            await operator.goto(f"{console}/drills")
            await operator.get_by_role("link", name="Plan a drill cycle").click()
            await operator.get_by_label("Partnership").select_option(label="Gulf of Guinea cyber labs")
            await operator.get_by_role("button", name="Continue").click()
            await operator.get_by_label("Protocol and place").select_option(
                value=f"cyber_intrusion|virtual_lab|{lab}"
            )
            await operator.get_by_label("First drill").fill("2027-01-15T09:00")
            await check_page(operator, "27-drill-cycle-form")
            await operator.get_by_role("button", name="Plan the cycle").click()
            await operator.wait_for_url(f"{console}/drill-cycles/*")
            cycle_url = operator.url.split("?")[0]
            await operator.get_by_role("button", name="Run the next drill now").click()

            async def running() -> bool:
                await operator.goto(cycle_url)
                return await operator.locator('[data-drill-status="running"]').count() == 1

            await eventually(running, timeout=60, interval=1, what="the workflow started the drill")
            await check_page(operator, "28-drill-cycle-running")
            await operator.get_by_role("link", name="Drill 1").click()
            drill_url = operator.url
            await operator.get_by_role("link", name="Its exercise incident").click()
            for _ in STEPS:
                await operator.get_by_role("button", name="Mark done").click()
                await operator.wait_for_load_state()

            async def completed() -> bool:
                await operator.goto(drill_url)
                return await operator.locator('[data-drill-status="completed"]').count() == 1

            await eventually(
                completed, timeout=60, interval=1, what="every step acknowledged completed the drill"
            )
            await operator.get_by_label("What was expected").fill("Lab isolated within 30 minutes")
            await operator.get_by_label("What happened").fill("Isolated in 12 minutes")
            await operator.get_by_label("Why it differed").fill("The runbook was printed")
            await operator.get_by_label("What will change").fill("Nothing")
            await operator.get_by_label("Finding").fill("The liaison list is outdated")
            await operator.get_by_label("Improvement action").fill("Update the liaison list")
            await operator.get_by_label("Due").fill("2027-02-01T12:00")
            await check_page(operator, "29-drill-debrief-form")
            await operator.get_by_role("button", name="Record the debrief").click()
            action = operator.locator("table tr", has_text="Update the liaison list")
            await expect(action).to_be_visible()
            await action.get_by_role("button", name="Mark done").click()
            await expect(operator.locator("[data-action-status]")).to_have_attribute(
                "data-action-status", "done"
            )
            await check_page(operator, "30-drill-debriefed")

            # The board lists the running drill cycle (the incidents service's process) with a link to Temporal.
            await operator.goto(f"{console}/operations")
            drill_process = operator.locator("table tr", has_text="DrillCycleWorkflow")
            await expect(drill_process).to_be_visible()
            await expect(drill_process.get_by_role("link", name="Open in Temporal")).to_have_attribute(
                "href", re.compile(r"/namespaces/default/workflows/drill-cycle")
            )
            await check_page(operator, "31-operations-processes")

            # An outsider (Kenya's operator and coordinator) sees none of it.
            await sign_in(outsider, console, "Wanjiru Kamau")
            await outsider.goto(f"{console}/operations")
            await expect(outsider.locator("body")).not_to_contain_text("Gulf of Guinea")
            await expect(outsider.locator("body")).not_to_contain_text(
                "DrillCycleWorkflow"
            )  # not its process
            await expect(outsider.get_by_text("cyber intrusion")).to_have_count(0)
            answer = await outsider.goto(f"{console}/incidents/{incident_id}")
            assert answer is not None and answer.status == 404
            await check_page(outsider, "26-outsider-operations")
            await browser.close()
    finally:
        for process in processes:
            process.stop()
