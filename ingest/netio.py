"""httpcore's network layer on plain asyncio streams, for the fetcher's one event loop.

httpcore's own async backend goes through anyio, which costs more CPU than the HTTP does:
on the pipeline benchmark's pages (loopback, keep-alive, 140 KB a page) each read and
write passes anyio's cancel scopes and sniffio's loop detection, and every request asks
each pooled connection whether it is readable, which anyio answers by rebuilding a table
of attribute getters. On asyncio's streams the same requests take a fraction of the CPU
(`bench/fetch`). Errors are mapped to httpcore's exceptions, so httpx reports them as it
always does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore

# StreamReader's buffer limit: the transport stops reading from the socket above twice it.
_READ_LIMIT = 256 * 1024


@contextlib.contextmanager
def _mapped(timeout_error: type[Exception], other_error: type[Exception]) -> Iterator[None]:
    try:
        yield
    except TimeoutError:
        raise timeout_error("timed out") from None
    except (OSError, ssl.SSLError, EOFError) as exc:
        raise other_error(str(exc) or type(exc).__name__) from exc


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection as an asyncio reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        # Closing starts the transport's shutdown; waiting for it would let a peer that never
        # answers a TLS close hold the caller.
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            try:
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
            except BaseException:
                self._writer.close()
                raise
        return AsyncioStream(self._reader, self._writer)

    def get_extra_info(self, info: str) -> Any:
        writer = self._writer
        if info == "is_readable":
            # httpcore asks this of idle keep-alive connections: true when the peer sent
            # something (a 408 before hanging up, say) or closed it, or it broke, so the pool
            # drops it instead of reading a stale answer to its next request. asyncio reads
            # the socket ahead, so what the socket would say is in the reader's buffer (no
            # public accessor) or its EOF mark; plain TCP stays half open after an EOF.
            reader = self._reader
            return bool(
                writer.is_closing()
                or reader.at_eof()
                or getattr(reader, "_buffer", None)
                or getattr(reader, "_eof", False)
                or reader.exception() is not None
            )
        if info == "ssl_object":
            return writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return writer.get_extra_info("sockname")
        if info == "server_addr":
            return writer.get_extra_info("peername")
        if info == "socket":
            return writer.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections opened with asyncio.open_connection, on the running loop."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=local, limit=_READ_LIMIT
                )
        sock: Any = writer.get_extra_info("socket")  # asyncio's TransportSocket
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
        except OSError as exc:
            writer.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path, limit=_READ_LIMIT)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
