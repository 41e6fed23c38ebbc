"""A small HTTP/1.1 load generator: keep-alive connections over asyncio streams, closed loop (as fast as the
server answers) or open loop (a fixed arrival schedule that does not slow down when the server does).

Open-loop latency is measured from each request's scheduled time, not from when a free connection sent it, so a
server that stalls is charged for every request that waited (no coordinated omission). Written here rather than
taken from a client library because the generator shares two cores with the servers it measures: it must cost
far less per request than they do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = Callable[[int], tuple[str, str, bytes, dict[str, str]]]
"""n -> (method, path, body, headers) for the n-th request."""


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value.strip())
            elif lowered == b"connection" and value.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


async def closed_loop(base_url: str, request: Request, *, count: int, concurrency: int) -> Result:
    """`count` requests over `concurrency` connections, each sending the next as soon as it has an answer."""
    host, port = _address(base_url)
    result = Result()
    next_n = 0

    async def lane() -> None:
        nonlocal next_n
        connection = Connection(host, port)
        try:
            while next_n < count:
                n = next_n
                next_n += 1
                method, path, body, headers = request(n)
                started = time.perf_counter()
                result.count(await connection.send(method, path, body, headers))
                result.latencies.append(time.perf_counter() - started)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def open_loop(
    base_url: str, request: Request, *, rate: float, seconds: float, connections: int = 64
) -> Result:
    """Requests at a fixed rate for `seconds`, whatever the answers' pace; a request whose time has come waits for
    a free connection (up to `connections`), and that wait counts in its latency."""
    host, port = _address(base_url)
    result = Result()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Connection(host, port))
    total = int(rate * seconds)
    start = time.perf_counter()

    async def one(n: int, due: float) -> None:
        connection = await idle.get()
        try:
            method, path, body, headers = request(n)
            result.count(await connection.send(method, path, body, headers))
        except (ConnectionError, OSError):
            result.count(0)
            await connection.close()
        finally:
            idle.put_nowait(connection)
        result.latencies.append(time.perf_counter() - due)

    tasks = []
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    while not idle.empty():
        await idle.get_nowait().close()
    return result
