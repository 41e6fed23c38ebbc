"""A TCP proxy on loopback that injects network-like faults between the processes and PostgreSQL or Kafka: added
latency on every chunk, and resets (RST) of every open connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct


class FaultyProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.latency = 0.0
        """Seconds added before each chunk is passed on, both ways."""
        self.port = 0
        self.resets = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    async def start(self, port: int = 0) -> int:
        """Listen on `port` (0: any free one; Kafka's proxy must listen where the broker advertises it)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()  # the target is down: the client sees a refused-like close
            return
        pair = (client_writer, server_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(
                self._pump(client_reader, server_writer), self._pump(server_reader, client_writer)
            )
        except asyncio.CancelledError:
            pass  # the proxy is stopping: the connection ends with it
        finally:
            self._pairs.discard(pair)
            for writer in pair:
                writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                if self.latency:
                    await asyncio.sleep(self.latency)
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    def reset_all(self) -> int:
        """Abort every open connection with a TCP reset, as a dropped NAT entry or a failover does."""
        pairs = list(self._pairs)
        for pair in pairs:
            for writer in pair:
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
        self.resets += len(pairs)
        return len(pairs)

    async def stop(self) -> None:
        self.reset_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
