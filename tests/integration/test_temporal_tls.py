"""The Temporal client configured as production would be for Temporal Cloud or a TLS-secured cluster: TLS with the
frontend's certificate verified against a CA, and an API key on every call. A TLS-terminating proxy in front of
the local dev server (which speaks plain gRPC) plays the secured frontend; a frontend signed by another CA is
refused."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from backbone.settings import load_settings
from backbone.temporal import connect_client
from devstack.infra import Endpoints
from devstack.tls import ensure_certificates


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


@contextlib.asynccontextmanager
async def tls_frontend(upstream: str, keystore: Path) -> AsyncIterator[str]:
    """Terminates TLS (ALPN h2, as gRPC asks) and forwards the bytes to the plain frontend."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(keystore)
    context.set_alpn_protocols(["h2"])
    host, port = upstream.rsplit(":", 1)

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


def production(monkeypatch: pytest.MonkeyPatch, address: str, ca_file: Path) -> None:
    for key, value in {
        "WORKER_TEMPORAL_ADDRESS": address,
        "WORKER_TEMPORAL_TLS_CA_FILE": str(ca_file),
        "WORKER_TEMPORAL_API_KEY": "an-api-key-from-a-mounted-secret",
        "WORKER_TEMPORAL_TLS_SERVER_NAME": "localhost",
    }.items():
        monkeypatch.setenv(key, value)


async def test_a_client_reaches_temporal_over_tls_with_an_api_key(
    stack: Endpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = ensure_certificates(tmp_path / "frontend", "127.0.0.1")
    async with tls_frontend(stack.temporal_address, files.keystore) as address:
        production(monkeypatch, address, files.ca_file)
        settings = load_settings("worker", uses_database=False)
        assert settings.temporal_api_key is not None and settings.temporal_tls_ca_file
        client = await connect_client(settings)
        assert await client.service_client.check_health()
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version, "a real call through TLS, with the API key on it"


async def test_a_frontend_signed_by_another_ca_is_refused(
    stack: Endpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frontend = ensure_certificates(tmp_path / "frontend", "127.0.0.1")
    stranger = ensure_certificates(tmp_path / "stranger", "127.0.0.1")
    async with tls_frontend(stack.temporal_address, frontend.keystore) as address:
        production(monkeypatch, address, stranger.ca_file)
        with pytest.raises(RuntimeError):
            await connect_client(load_settings("worker", uses_database=False))
