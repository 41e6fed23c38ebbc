"""The console's catalogs and its sealed session, without a browser."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from cryptography.fernet import Fernet
from starlette.requests import Request
from starlette.responses import Response

from console.i18n import HERE, Formats, environment, negotiate, translations
from console.messages import extracted
from console.pages.auth import _safe_next
from console.session import Session, Sessions, csrf_valid
from console.settings import console_settings


def test_every_message_of_the_console_has_a_french_translation() -> None:
    with (HERE / "locale" / "fr" / "LC_MESSAGES" / "console.po").open("rb") as source:
        french = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(source, locale="fr") if m.id}
    missing = []
    for message in extracted():
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = french.get(key)
        strings = found.string if found else None
        if not strings or (isinstance(strings, tuple) and not all(strings)) or (found and found.fuzzy):
            missing.append(key)
    assert missing == [], (
        f"untranslated (`python -m console.messages update fr` adds them to the catalogue): {missing}"
    )


def test_pages_and_formats_follow_the_locale() -> None:
    assert translations("fr").gettext("Sign in") == "Se connecter"
    page = environment("fr").from_string('{{ _("My pending decisions") }}').render()
    assert page == "Mes décisions en attente"
    moment = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert "19:30" in Formats("fr", "Europe/Paris").when(moment)  # Paris is UTC+1 in December
    assert "(Africa/Dakar)" in Formats("en", "Africa/Dakar").when(moment)
    assert Formats("fr", "UTC").number(1234.5) == "1\u202f234,5"
    assert Formats("en", "Not/AZone").tz.key == "UTC"
    assert (
        negotiate("fr-SN,fr;q=0.9,en;q=0.5") == "fr"
        and negotiate("pt-BR") == "en"
        and negotiate(None) == "en"
    )


def _request(cookies: dict[str, str]) -> Request:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return Request({"type": "http", "headers": [(b"cookie", header.encode())] if header else []})


def _sessions(**overrides: object) -> Sessions:
    return Sessions(console_settings(session_key=Fernet.generate_key().decode(), **overrides))


def test_the_session_is_sealed_http_only_and_ends_with_the_token() -> None:
    sessions = _sessions(environment="test")
    session = Session("delegate.fr", "Claire", "FR", ("oversight_member",), "token", time.time() + 600)
    response = Response()
    sessions.write(response, session)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "token" not in cookie.split(";")[0]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.read(_request({sessions.cookie: value})) == session
    assert sessions.read(_request({sessions.cookie: value[:-4] + "AAAA"})) is None  # tampered
    assert _sessions(environment="test").read(_request({sessions.cookie: value})) is None  # another key
    stale = Session("delegate.fr", "Claire", "FR", (), "token", time.time() + 10)
    response = Response()
    sessions.write(response, stale)
    value = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert sessions.read(_request({sessions.cookie: value})) is None  # within 30 s of the token's expiry
    assert (
        csrf_valid(session, session.csrf) and not csrf_valid(session, "x") and not csrf_valid(session, None)
    )


def test_outside_development_cookies_are_secure_and_host_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    sessions = _sessions(
        environment="production",
        auth_issuer="https://id.example.org",
        public_url="https://console.example.org",
    )
    response = Response()
    sessions.write(response, Session("s", "n", "FR", (), "t", time.time() + 600))
    assert (
        response.headers["set-cookie"].startswith("__Host-console=")
        and "Secure" in response.headers["set-cookie"]
    )
    with pytest.raises(ValueError, match="CONSOLE_SESSION_KEY"):
        console_settings(
            environment="production", auth_issuer="https://id.example.org", kafka_security_protocol="SASL_SSL"
        ).sealing_key()


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil", "", None])
def test_sign_in_returns_only_to_a_path_of_the_console(target: str | None) -> None:
    assert _safe_next(target) == "/approvals"


def test_sign_in_returns_to_the_page_asked_for() -> None:
    assert _safe_next("/decisions/42") == "/decisions/42"


def test_the_public_page_shows_published_figures_and_withholds_what_finance_withholds() -> None:
    """The page's template on the shapes finance and assessment publish (their own tests cover the figures)."""
    page = environment("fr").get_template("public_partnership.html")
    html = page.render(
        session=None,
        fmt=Formats("fr", "UTC"),
        lang="fr",
        now=datetime.now(UTC),
        path="/public/partnerships/p",
        profile={
            "name": "Gulf labs",
            "phase": "exercises",
            "agreement_kind": "mou",
            "agreement_starts_on": "2026-10-01",
            "agreement_ends_on": "2030-09-30",
            "members": [{"country_code": "FR", "role": "lead"}],
            "endorsements": [{"endorser": "ECOWAS", "scope": "All", "endorsed_on": "2026-11-20"}],
        },
        plans=[
            {"content": {"title": "Plan 2027"}, "version": 2, "published_at": "2026-11-01T10:00:00+00:00"}
        ],
        report={
            "indicators": [
                {"name": "Officers trained", "target": "120", "unit": "officers", "target_met_by": ["FR"]}
            ],
            "outcomes": [
                {
                    "competency": "chain_of_custody",
                    "rows": [{"country_code": None, "assessed": 12, "passed": 9, "pass_rate": "0.750"}],
                    "suppressed_countries": 2,
                }
            ],
        },
        budget={
            "periods": [
                {
                    "fiscal_period": "2027",
                    "currency": "EUR",
                    "budget": {"stipends": 600_000, "travel": 400_000},
                    "budget_total": 1_000_000,
                    "actual": {"stipends": 6_000, "travel": None},
                    "actual_total": None,
                }
            ]
        },
        phases=("familiarization", "co_design", "exercises", "sustainment"),
        period="2027",
    )
    assert "60,00\xa0€" in html and "6\u202f000,00\xa0€" in html  # minor units (cents) shown in euros
    assert html.count("non publié") == 2  # travel and the total that would reveal it
    assert "75\xa0%" in html and "Plan 2027" in html and "ECOWAS" in html
    assert "Les groupes de 2 pays sont trop petits pour être montrés." in html
