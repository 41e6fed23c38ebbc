"""Browser tests' tools: Debian's Chromium driven by Playwright (no browser download), axe-core in the page,
sign-in through the development issuer's page, screenshots kept as artefacts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.async_api import Browser, Page, Playwright

from backbone.settings import local_state_dir

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    found = (
        os.environ.get("BACKBONE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(
            "Chromium is missing: `make test` installs Debian's chromium package (bin/bootstrap)"
        )
    return found


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(
        executable_path=chromium_path(),
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    )


def artefacts_dir() -> Path:
    folder = Path(os.environ.get("BACKBONE_ARTEFACTS_DIR", local_state_dir() / "artefacts")) / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def screenshot(page: Page, name: str) -> Path:
    path = artefacts_dir() / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of impact serious or critical on the page as it is now."""
    await page.evaluate(AXE_SCRIPT)
    results: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


async def check_page(page: Page, name: str) -> None:
    """Every page the tests visit: saved as an artefact, and free of serious accessibility violations."""
    await screenshot(page, name)
    violations = await serious_violations(page)
    assert violations == [], f"{name}: {violations}"


async def sign_in(page: Page, console_url: str, person_name: str) -> None:
    """Through the console's Sign in, the issuer's page (the development person chosen by name), and back."""
    await page.goto(f"{console_url}/")
    await page.get_by_role("link", name="Sign in").click()
    await page.get_by_role("button", name=person_name).click()
    await page.wait_for_url(f"{console_url}/approvals")


async def tab_to(page: Page, element_id: str, *, limit: int = 60) -> None:
    """Move focus with the Tab key alone until `element_id` has it (keyboard-only use)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} was not reachable with Tab")
