"""A worker started while Temporal is away (a restart, a failover) waits for it and connects once it answers,
instead of exiting into a crash loop. Found by `make chaos`: a worker restarted during a Temporal restart died of
"connection refused"."""

from __future__ import annotations

import asyncio

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from backbone.settings import load_settings
from backbone.temporal import connect_when_reachable
from chaos.proxy import FaultyProxy
from devstack.infra import Endpoints
from tests.support import free_port


async def test_a_client_started_before_temporal_answers_connects_once_it_does(stack: Endpoints) -> None:
    port = free_port()
    settings = load_settings("worker", temporal_address=f"127.0.0.1:{port}")
    connecting = asyncio.create_task(connect_when_reachable(settings, what="test"))
    await asyncio.sleep(2.0)
    assert not connecting.done(), "nothing listens yet: it keeps trying instead of failing"
    host, target = stack.temporal_address.rsplit(":", 1)
    frontend = FaultyProxy(host, int(target))
    await frontend.start(port)
    try:
        client = await asyncio.wait_for(connecting, timeout=60)
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version
    finally:
        await frontend.stop()
