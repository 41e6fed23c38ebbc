"""Training's credential signing keys as production holds them: a mounted, read-only Secret (`current` and
`<kid>.pem` side by side) shared by every pod. Credentials carry the key id; rotating is adding a key and
pointing `current` at it, and what the old key signed still verifies while it stays published. Without a key
the service refuses to start, naming what to mount."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from backbone.issuer.keys import KeyStore, MissingSigningKey
from devstack.config import REPO_ROOT
from services.training.app import build_app
from tests.integration import vc_verifier
from tests.integration.test_training_certifications import certify
from tests.integration.test_training_facilities import coordinator
from tests.support import Deployment


def read_only(folder: Path) -> None:
    for path in [*folder.iterdir(), folder]:
        path.chmod(stat.S_IRUSR | (stat.S_IXUSR if path.is_dir() else 0))


def new_key(folder: Path) -> str:
    """What an operator runs to add a key to the Secret's folder (the command prints the key id)."""
    done = subprocess.run(
        [sys.executable, "-m", "backbone.issuer", "signing-key", "--into", str(folder)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
async def mounted(deployment: Deployment, tmp_path: Path) -> AsyncIterator[tuple[Deployment, Path]]:
    await deployment.create("training")
    yield deployment, tmp_path / "signing"
    for path in (tmp_path / "signing").rglob("*"):
        path.chmod(0o700)
    (tmp_path / "signing").chmod(0o700)


async def credential_and_jwks(deployment: Deployment, folder: Path) -> tuple[str, dict[str, Any], str]:
    app = build_app(
        deployment.settings("training", signing_keys_dir=str(folder), signing_keys_generate=False)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://training") as api:
            api.app = app  # type: ignore[attr-defined]
            api.deployment = deployment  # type: ignore[attr-defined]
            certification = await certify(api)
            got = await api.get(
                f"/certifications/{certification['id']}/credential", headers=coordinator(api, "SN")
            )
            assert got.status_code == 200, got.text
            jwks = (await api.get("/.well-known/jwks.json")).json()
            issuer = got.json()["jwks_url"].removesuffix("/.well-known/jwks.json")
            return got.json()["credential"], jwks, issuer


async def test_credentials_are_signed_with_the_mounted_key_and_survive_its_rotation(
    mounted: tuple[Deployment, Path],
) -> None:
    deployment, folder = mounted
    first = new_key(folder)
    read_only(folder)
    old_credential, jwks, issuer = await credential_and_jwks(deployment, folder)
    assert jwt.get_unverified_header(old_credential)["kid"] == first
    assert [k["kid"] for k in jwks["keys"]] == [first]
    assert sorted(p.name for p in folder.iterdir()) == ["current", f"{first}.pem"], "nothing written"

    folder.chmod(0o700)
    (folder / "current").chmod(0o600)
    second = new_key(folder)  # the Secret gets a new key and `current` moves to it
    read_only(folder)
    new_credential, jwks, issuer = await credential_and_jwks(deployment, folder)
    assert jwt.get_unverified_header(new_credential)["kid"] == second != first
    assert {k["kid"] for k in jwks["keys"]} == {first, second}
    for credential in (old_credential, new_credential):
        assert vc_verifier.verify(credential, jwks, issuer=issuer)["vc"]


def test_without_a_mounted_key_the_service_refuses_to_start(
    mounted: tuple[Deployment, Path],
) -> None:
    deployment, folder = mounted
    folder.mkdir()
    with pytest.raises(MissingSigningKey, match="current"):
        build_app(deployment.settings("training", signing_keys_dir=str(folder), signing_keys_generate=False))
    (folder / "current").write_text("k-gone\n")
    with pytest.raises(MissingSigningKey, match="k-gone"):
        KeyStore(folder, generate=False).ensure()
    json.dumps({"folder": str(folder)})
