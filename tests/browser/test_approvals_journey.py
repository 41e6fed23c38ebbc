"""In a real browser: delegates sign in at the identity provider, see the pending gate, vote, watch each other's
votes arrive live, and the partnership moves to its next phase; an outsider sees none of it.

Real processes: the partners API, relay and consumer, the Temporal worker (the onboarding workflow takes the
votes as Updates and advances the phase) and the console (`python -m console`), on the real PostgreSQL, Kafka and
Temporal, with the development issuer's sign-in page. Debian's Chromium through Playwright; axe-core on every
page; screenshots in `.state/artefacts/console/`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, async_playwright, expect

from tests.browser.support import check_page, launch, sign_in, tab_to
from tests.e2e.partnership_world import three_country_partnership
from tests.support import Deployment, ServiceProcess, eventually, free_port, serve_process, wait_http_ok

DELEGATES = {
    "FR": ("delegate.fr", "Claire Dubois"),
    "SN": ("delegate.sn", "Aminata Diallo"),
    "BR": ("delegate.br", "Rafael Souza"),
}


async def _partnership_at_its_gate(http: httpx.AsyncClient, deployment: Deployment) -> tuple[str, str]:
    """France (lead), Senegal and Brazil, each with its development delegate seated; capacities mapped, so the
    familiarization gate opens. The partnership's id and the gate decision's."""
    national = {code: deployment.national_headers(code) for code in DELEGATES}
    pid, agencies, _ = await three_country_partnership(
        http, national, name="Sahel-Atlantic forensics partnership", delegates=DELEGATES, veto="FR"
    )
    started = await http.post(f"/partnerships/{pid}/onboarding", json={}, headers=national["FR"])
    assert started.status_code == 202, started.text
    for code, agency in agencies.items():
        mapped = await http.post(
            f"/agencies/{agency}/capacity-profiles",
            json={"competency": "chain_of_custody", "current_level": 2, "target_level": 4},
            headers=national[code],
        )
        assert mapped.status_code == 201, mapped.text

    async def gate() -> Any:
        status = (await http.get(f"/partnerships/{pid}/onboarding", headers=national["FR"])).json()["status"]
        return status["open_decision"]

    decision = await eventually(gate, timeout=90, what="the familiarization gate opened")
    return pid, decision["decision_id"]


async def test_delegates_vote_a_gate_in_the_console_and_watch_it_live(
    deployment: Deployment, process_logs: Path
) -> None:
    assert deployment.issuer is not None
    await deployment.create("partners")
    api_port, console_port = free_port(), free_port()
    partners_url, console_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{console_port}"
    deployment.issuer.store.register_public_client(
        "backbone-console", [f"{console_url}/auth/callback"], post_logout_redirect_uris=[f"{console_url}/"]
    )
    processes = [
        serve_process(deployment, "partners", "api", process_logs, http_port=api_port),
        serve_process(deployment, "partners", "relay", process_logs),
        serve_process(deployment, "partners", "consumer", process_logs),
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=partners_url),
            process_logs,
        ),
        ServiceProcess(
            "console",
            [sys.executable, "-m", "console"],
            deployment.env(
                "console", http_port=console_port, public_url=console_url, partners_url=partners_url
            ),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{partners_url}/readyz", process=processes[0])
        await wait_http_ok(f"{console_url}/readyz", process=processes[-1])

        async def following() -> bool:
            async with httpx.AsyncClient() as probe:
                return bool((await probe.get(f"{console_url}/readyz")).json()["live"])

        await eventually(following, timeout=60, what="the console following the partners' events")
        async with httpx.AsyncClient(base_url=partners_url, timeout=30) as http:
            pid, decision_id = await _partnership_at_its_gate(http, deployment)

        async with async_playwright() as playwright:
            browser = await launch(playwright)
            france, senegal, brazil, kenya = [
                await (await browser.new_context()).new_page() for _ in range(4)
            ]

            # Signed out, the console asks to sign in; the issuer's page lists the development people.
            await france.goto(f"{console_url}/approvals")
            await expect(france.get_by_role("button", name="Claire Dubois")).to_be_visible()
            await check_page(france, "01-issuer-sign-in")
            await sign_in(france, console_url, "Claire Dubois")
            await expect(france.get_by_role("heading", level=1)).to_have_text("Mes décisions en attente")
            await expect(france.locator(f'a[href="/decisions/{decision_id}"]').first).to_be_visible()
            await check_page(france, "02-approvals-fr")
            await _english(france)
            await expect(france.get_by_role("heading", level=1)).to_have_text("My pending decisions")
            await france.goto(f"{console_url}/decisions/{decision_id}")
            await expect(france.locator("body")).to_have_attribute("data-live-connected", "true")
            await check_page(france, "03-decision-open")

            # Senegal, in French by its locale, votes with the keyboard alone; France's page shows it live.
            await sign_in(senegal, console_url, "Aminata Diallo")
            await senegal.goto(f"{console_url}/decisions/{decision_id}")
            await expect(senegal.locator("html")).to_have_attribute("lang", "fr")
            await tab_to(senegal, "choice-approve")  # Tab enters the radio group, arrows choose within it
            await senegal.keyboard.press("ArrowDown")
            await expect(senegal.locator("#choice-reject")).to_be_checked()
            await tab_to(senegal, "vote-submit")
            await senegal.keyboard.press("Enter")
            await expect(senegal.locator("#reason-error")).to_have_text("Donnez un motif pour rejeter.")
            await check_page(senegal, "04-vote-refused-inline-fr")
            await tab_to(senegal, "choice-reject")  # kept checked from the refused attempt
            await senegal.keyboard.press("ArrowUp")
            await expect(senegal.locator("#choice-approve")).to_be_checked()
            await tab_to(senegal, "vote-submit")
            await senegal.keyboard.press("Enter")
            await expect(
                senegal.get_by_role("status").filter(has_text="Votre vote est enregistré.")
            ).to_be_visible()
            await check_page(senegal, "05-voted-fr")
            row = france.locator("table.voters tr", has_text="Aminata Diallo")
            await expect(row).to_contain_text("approve", timeout=30_000)  # pushed, never reloaded
            await expect(france.locator("[data-live-status]")).to_contain_text("Updated")
            await check_page(france, "06-decision-live-update")

            # Brazil opens the page before the quorum; France's approval closes it; Brazil's vote is refused.
            await sign_in(brazil, console_url, "Rafael Souza")
            await brazil.goto(f"{console_url}/decisions/{decision_id}")
            await france.get_by_label("Approve").check()
            await france.get_by_role("button", name="Cast my vote").click()
            await expect(
                france.get_by_role("status").filter(has_text="Your vote is recorded.")
            ).to_be_visible()
            await brazil.get_by_label("Abstain").check()
            await brazil.get_by_role("button", name="Cast my vote").click()
            await expect(brazil.get_by_role("alert")).to_contain_text("This decision is closed")
            await check_page(brazil, "07-vote-after-closing")

            # The workflow advances the phase; the partnership page shows it.
            async def advanced() -> bool:
                await france.goto(f"{console_url}/partnerships/{pid}")
                return await france.locator("[data-phase]").get_attribute("data-phase") == "co_design"

            await eventually(advanced, timeout=60, interval=1, what="the partnership page shows co-design")
            await expect(france.locator('li[aria-current="step"]')).to_contain_text("Co-design")
            await check_page(france, "08-partnership-next-phase")
            await france.goto(f"{console_url}/approvals/history")
            await expect(france.locator(f'a[href="/decisions/{decision_id}"]')).to_be_visible()
            await check_page(france, "09-history")

            # Anyone, signed in or not, reads the partnership's public page: its phase, no delegate.
            anonymous = await (await browser.new_context(locale="fr-FR")).new_page()
            await anonymous.goto(f"{console_url}/public/partnerships/{pid}")
            await expect(anonymous.get_by_role("heading", level=1)).to_have_text(
                "Sahel-Atlantic forensics partnership"
            )
            await expect(anonymous.locator('li[aria-current="step"]')).to_have_text("Co-conception")
            await expect(anonymous.locator("body")).not_to_contain_text("Claire Dubois")
            await check_page(anonymous, "11-public-partnership-fr")

            # An outsider (Kenya) sees none of it.
            await sign_in(kenya, console_url, "Wanjiru Kamau")
            await expect(kenya.get_by_text("Nothing awaits your vote.")).to_be_visible()
            for path in (f"/decisions/{decision_id}", f"/partnerships/{pid}"):
                answer = await kenya.goto(f"{console_url}{path}")
                assert answer is not None and answer.status == 404, path
                await expect(kenya.locator("body")).not_to_contain_text("Sahel")
            await check_page(kenya, "10-outsider-not-found")

            # Sign out: the session is gone, pages ask to sign in again.
            await france.goto(f"{console_url}/approvals")
            await france.get_by_role("button", name="Sign out").click()
            await france.goto(f"{console_url}/approvals")
            await expect(france.get_by_role("button", name="Claire Dubois")).to_be_visible()
            await browser.close()
    finally:
        for process in processes:
            process.stop()


async def _english(page: Page) -> None:
    await page.get_by_label("Langue").select_option("en")
    await page.get_by_role("button", name="Appliquer").click()
