"""HTTP fetching that a hostile or flaky server cannot break.

This is the only module that opens network connections. One `Fetcher` (an async httpx client)
serves one harvest. Every request passes, in order:

- the per-host gate (`entente.ingest.politeness`): at most N in flight to a host, D seconds apart,
  and nothing while the host's own Retry-After runs;
- the SSRF guard, inside the connection itself: the host name is resolved once, every address
  is vetted, and the socket is opened to the vetted address, so a DNS answer that changes
  between check and connect (rebinding) cannot slip through; each redirect hop that opens a
  connection is vetted again;
- a total deadline per attempt on top of httpx's connect and read timeouts, so a server that
  drips one byte a second cannot hold a worker;
- a size cap and a decompression-ratio cap enforced while streaming, inflating by hand in
  bounded steps so a gzip bomb never expands in memory.

Failures raise FetchError with a short `outcome` and a one-line message. Transient failures
(connect errors, timeouts, 5xx) are retried with exponential backoff and jitter; a 4xx never is.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from entente.ingest.netio import AsyncioBackend
from entente.ingest.politeness import HostGates
from entente.ingest.settings import FetchSettings
from entente.transforms.errors import FetchError

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
TRANSIENT_OUTCOMES = frozenset({"timeout", "connect_error", "transport_error"})
# Bodies below this size are never called bombs, whatever their ratio (tiny gzipped pages).
BOMB_FLOOR = 1_000_000
INFLATE_STEP = 65_536
MAX_BACKOFF = 60.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Response:
    """A complete, size-capped response body and what we need of its headers."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    elapsed_ms: int
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


class StatusError(FetchError):
    """A non-2xx answer; `retry_after` is the server's Retry-After in seconds, if it sent one."""

    def __init__(
        self, outcome: str, message: str, status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(outcome, message, status)
        self.retry_after = retry_after


class BodyTimeout(FetchError):
    """A timeout after the server had begun to answer: it sends, but too slowly (a drip)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__("timeout", message, status)


def is_transient(exc: FetchError) -> bool:
    """Worth another try: the network or the server hiccuped, the request itself was fine."""
    if exc.outcome in TRANSIENT_OUTCOMES:
        return True
    return exc.outcome == "http_error" and exc.status is not None and exc.status >= 500


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [base, base * 2**attempt], capped."""
    ceiling = min(MAX_BACKOFF, base * 2**attempt)
    return (rng or random).uniform(min(base, ceiling), ceiling)


# --- SSRF guard ---------------------------------------------------------------------------


# Address space that is not globally routable, from IANA's special-purpose registries. Kept
# here rather than read from `ipaddress`'s is_global/is_private flags, which miss blocks
# (100.64.0.0/10, fec0::/10, 6to4 around a private address) and change between patch releases.
_LOCAL_IPV4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # this network
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT, cloud metadata, tailnets)
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
# Only 2000::/3 is global unicast; within it, these blocks are not routed to a host of ours.
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_LOCAL_IPV6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, benchmarking)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix, RFC 6052

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _destination(ip: IPAddress) -> IPAddress:
    """The address a connection to `ip` reaches: the IPv4 address inside an IPv4-mapped
    address (the kernel connects to it) or a NAT64 one (the gateway translates to it)."""
    if isinstance(ip, ipaddress.IPv6Address) and (ip in _IPV4_MAPPED or ip in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _wrapped(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries for a tunnel (6to4, Teredo) or carried
    once (IPv4-compatible): a relay may deliver to them."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    if ip in _IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    return list(ip.teredo or ())


def _is_global(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv4Address):
        return not any(ip in network for network in _LOCAL_IPV4)
    return ip in _GLOBAL_UNICAST and not any(ip in network for network in _LOCAL_IPV6)


def is_forbidden_address(address: str, allowed: tuple[str, ...] = ()) -> bool:
    """True unless `address` is globally routable, with any IPv4 address it wraps (mapped,
    compatible, NAT64, 6to4, Teredo), or what it reaches lies in an `allowed` network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # without a zone id
    destination = _destination(ip)
    for network in allowed:
        parsed = ipaddress.ip_network(network, strict=False)
        if ip in parsed or destination in parsed:
            return False
    return not _is_global(destination) or not all(map(_is_global, _wrapped(destination)))


def _vet(host: str, addresses: list[str], allowed: tuple[str, ...] = ()) -> str:
    """Return the address to connect to, or refuse when any answer is non-public."""
    for address in addresses:
        if is_forbidden_address(address, allowed):
            raise FetchError(
                "blocked_address",
                f"{host} resolves to non-public address {address}; "
                "set allow_private_networks to allow it",
            )
    return addresses[0]


def _check_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise FetchError("bad_url", f"bad port in {url}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError("bad_url", f"not an http(s) URL: {url}")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_destination(url: str, settings: FetchSettings) -> None:
    """Refuse URLs that resolve to private, loopback, link-local or metadata addresses."""
    host, port = _check_url(url)
    if settings.allow_private_networks:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("dns_error", f"cannot resolve {host}: {exc}") from None
    _vet(host, [str(info[4][0]) for info in infos], settings.allowed_networks)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, vets and connects to the vetted address: the check and the socket agree."""

    def __init__(self, allowed_networks: tuple[str, ...] = ()) -> None:
        self._inner = AsyncioBackend()
        self._allowed = allowed_networks

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            ipaddress.ip_address(host.strip("[]"))
            addresses = [host.strip("[]")]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
            except (socket.gaierror, UnicodeError) as exc:
                raise FetchError("dns_error", f"cannot resolve {host}: {exc}") from None
            addresses = [str(info[4][0]) for info in infos]
        address = _vet(host, addresses, self._allowed)
        return await self._inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("blocked_address", f"refusing to connect to unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# --- bodies ---------------------------------------------------------------------------------


class _Inflater:
    """Content-Encoding decoding in bounded steps, so output size is checked as it grows."""

    def __init__(self, encoding: str, url: str) -> None:
        encoding = encoding.strip().lower()
        self._url = url
        self._deflate = encoding == "deflate"
        self.consumed = 0
        self._z: Any = None
        if encoding in {"gzip", "x-gzip"}:
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._deflate:
            self._z = zlib.decompressobj()
        elif encoding not in {"", "identity"}:
            raise FetchError("decode_error", f"{url} uses unsupported Content-Encoding {encoding}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield decoded pieces of at most INFLATE_STEP bytes; `consumed` counts input used."""
        if self._z is None:
            self.consumed += len(data)
            yield data
            return
        pending = data
        while pending:
            try:
                out = self._z.decompress(pending, INFLATE_STEP)
            except zlib.error:
                if not (self._deflate and self.consumed == 0):
                    raise FetchError(
                        "decode_error", f"{self._url}: corrupt compressed body"
                    ) from None
                # Some servers send raw deflate without the zlib wrapper.
                self._deflate = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            tail = self._z.unconsumed_tail
            self.consumed += len(pending) - len(tail)
            pending = tail
            yield out


async def _read_capped(response: httpx.Response, url: str, settings: FetchSettings) -> bytes:
    """Read and decode the body in bounded steps, stopping at the size or ratio cap."""
    max_bytes = settings.max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large",
            f"{url} declares {declared} bytes, over the {max_bytes} byte cap",
            response.status_code,
        )
    inflater = _Inflater(response.headers.get("content-encoding", ""), url)
    chunks: list[bytes] = []
    size = 0
    async for data in response.aiter_raw():
        for chunk in inflater.feed(data):
            size += len(chunk)
            if size > BOMB_FLOOR and size > settings.max_decompression_ratio * inflater.consumed:
                raise FetchError(
                    "decompression_bomb",
                    f"{url} inflates {inflater.consumed} bytes to over {size};"
                    " refusing a decompression bomb",
                    response.status_code,
                )
            if size > max_bytes:
                raise FetchError(
                    "too_large",
                    f"{url} sent more than {max_bytes} bytes (after decompression)",
                    response.status_code,
                )
            chunks.append(chunk)
    return b"".join(chunks)


# --- the fetcher ------------------------------------------------------------------------------


class _SendStamp(httpcore.AsyncNetworkStream):
    """A connection that tells the gates when request bytes have gone out (HostGates.started)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, host: str, gates: HostGates) -> None:
        self._inner = inner
        self._host = host
        self._gates = gates

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)
        self._gates.started(self._host)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _SendStamp(tls, self._host, self._gates)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _StampingBackend(httpcore.AsyncNetworkBackend):
    """Connections whose writes are reported to the gates, so spacing is measured on the wire."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, gates: HostGates) -> None:
        self._inner = inner
        self._gates = gates

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _SendStamp(stream, host, self._gates)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The system's CA bundle, loaded once per process: loading it costs CPU, and a served
    process makes a Fetcher per run, run after run. Connections only read it (httpcore sets
    the same ALPN protocols on it each time), and every fetch of the process runs on one
    event loop (run_async)."""
    return httpx.create_ssl_context(trust_env=False)


class Fetcher:
    """Polite, guarded, retrying GETs; use as `async with`.

    One small httpx client per origin: httpcore's pool scans all its connections (with a
    syscall each) for every request, so one pool across many hosts costs O(hosts) per request.
    """

    def __init__(
        self,
        settings: FetchSettings,
        gates: HostGates | None = None,
        wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
        rng: random.Random | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.gates = gates or HostGates(settings.max_connections_per_host, settings.min_host_delay)
        self._wrap = wrap  # e.g. a benchmark's request log around each origin's transport
        self._rng = rng or random.Random()
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._all: asyncio.Semaphore | None = None
        self._open = False
        # the system's CA bundle unless given one (a test's own CA, a company's)
        self._ssl_context = ssl_context

    def _make_transport(self) -> httpx.AsyncBaseTransport:
        # The gates keep requests per host at max_connections_per_host; one spare for a
        # connection still closing.
        size = self.settings.max_connections_per_host + 1
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        transport = httpx.AsyncHTTPTransport(verify=self._ssl(), limits=limits, trust_env=False)
        backend: httpcore.AsyncNetworkBackend = (
            AsyncioBackend()
            if self.settings.allow_private_networks
            else GuardedBackend(self.settings.allowed_networks)
        )
        # httpx has no public hook for the network backend; the pool is rebuilt with ours
        # (tests/ingest/test_fetch.py fails loudly if this stops working).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_StampingBackend(backend, self.gates),
        )
        return transport

    def _ssl(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = default_ssl_context()
        return self._ssl_context

    def client_for(self, url: str) -> httpx.AsyncClient:
        """The client for `url`'s origin, made on first use."""
        self._check_open(url)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"
        client = self._clients.get(origin)
        if client is None:
            s = self.settings
            transport = self._make_transport()
            timeout = httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            )
            client = self._clients[origin] = httpx.AsyncClient(
                timeout=timeout,
                follow_redirects=False,
                headers={"User-Agent": s.agent(), "Accept-Encoding": "gzip, deflate"},
                trust_env=False,
                transport=self._wrap(transport) if self._wrap else transport,
            )
        return client

    def _check_open(self, url: str) -> None:
        # Harvests still queued when a run is stopped ask a closed fetcher: that is no bug,
        # and the page is worth asking for at the next run (a transient outcome).
        if not self._open:
            raise FetchError("stopped", f"{url} not fetched: the run was stopping")

    async def __aenter__(self) -> Fetcher:
        self._all = asyncio.Semaphore(self.settings.max_connections)
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients, self._clients = list(self._clients.values()), {}
        self._open = False
        for client in clients:
            await client.aclose()

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET with politeness, guard, caps and retries; raise FetchError with one line."""
        self._check_open(url)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._attempt(url, headers)
            except FetchError as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    if attempt > 1:
                        exc.args = (f"{exc.args[0]} (after {attempt} attempts)",)
                    raise
                await asyncio.sleep(wait)
                continue
            elapsed = int((time.monotonic() - started) * 1000)
            return replace(response, attempts=attempt, elapsed_ms=elapsed)

    def _retry_wait(self, exc: FetchError, attempt: int) -> float | None:
        """Seconds to wait before another attempt, or None when this failure is final.

        A server that began to answer and then dripped (BodyTimeout) gets one more try at
        most: each try costs up to `total_timeout`, and it is unlikely to speed up.
        """
        if attempt > self.settings.retries or not is_transient(exc):
            return None
        if isinstance(exc, BodyTimeout) and attempt >= 2:
            return None
        wait = backoff_delay(attempt - 1, self.settings.backoff_base, self._rng)
        retry_after = exc.retry_after if isinstance(exc, StatusError) else None
        if retry_after is not None:
            if retry_after > self.settings.max_retry_after:
                return None
            wait = max(wait, retry_after)
        return wait

    async def _attempt(self, url: str, headers: dict[str, str] | None) -> Response:
        assert self._all is not None, "use Fetcher as `async with`"
        current = url
        seen = {url}
        spent = 0.0
        total = self.settings.total_timeout
        for _hop in range(self.settings.max_redirects + 1):
            host, _port = _check_url(current)
            paused = self.gates.deferred_for(host)
            if paused > self.settings.max_retry_after:
                raise FetchError(
                    "rate_limited",
                    f"{host} asked for a {paused:.0f} s pause (Retry-After); skipped {current}",
                )
            # Anything slow (making a client) happens before the gate, not between the gate
            # and the wire, where it would bunch requests the gate had spaced.
            client = self.client_for(current)
            async with self.gates.slot(host), self._all:
                begun = time.monotonic()
                answered: list[int] = []  # the status, once the server has begun to answer
                try:
                    async with asyncio.timeout(max(0.001, total - spent)):
                        result = await self._request(client, url, current, host, headers, answered)
                except TimeoutError:
                    message = f"{current} took longer than the {total:g} s total timeout"
                    if answered:
                        raise BodyTimeout(message, answered[0]) from None
                    raise FetchError("timeout", message) from None
                finally:
                    spent += time.monotonic() - begun
            if isinstance(result, Response):
                return result
            if result in seen:
                raise FetchError("redirect_loop", f"redirect loop at {result}")
            seen.add(result)
            current = result
        raise FetchError(
            "too_many_redirects", f"more than {self.settings.max_redirects} redirects from {url}"
        )

    async def _request(
        self,
        client: httpx.AsyncClient,
        url: str,
        current: str,
        host: str,
        headers: dict[str, str] | None,
        answered: list[int],
    ) -> Response | str:
        """One request: a Response, or the absolute URL a redirect points to. The status goes
        into `answered` as soon as the headers are in."""
        try:
            async with client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                answered.append(status)
                if status in REDIRECT_CODES:
                    location = str(response.headers.get("location", "")).strip()
                    if not location:
                        raise FetchError(
                            "http_error", f"redirect without Location from {current}", status
                        )
                    return str(urljoin(current, location))
                if status != 304 and not 200 <= status < 300:
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    if retry_after is not None and status in {429, 503}:
                        self.gates.defer(host, retry_after)
                    outcome = "rate_limited" if status == 429 else "http_error"
                    wait = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
                    raise StatusError(
                        outcome, f"HTTP {status} from {current}{wait}", status, retry_after
                    )
                body = (
                    b"" if status == 304 else await _read_capped(response, current, self.settings)
                )
                content_type = response.headers.get("content-type")
                return Response(
                    url=url,
                    final_url=current,
                    status=status,
                    content_type=content_type,
                    body=body,
                    elapsed_ms=0,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TimeoutException as exc:
            message = f"timed out fetching {current}: {type(exc).__name__}"
            if answered:
                raise BodyTimeout(message, answered[0]) from None
            raise FetchError("timeout", message) from None
        except httpx.ConnectError as exc:
            raise FetchError("connect_error", f"cannot connect to {current}: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError(
                "transport_error", f"{type(exc).__name__} fetching {current}: {exc}"
            ) from None
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise FetchError("bad_url", f"unusable URL {current}: {exc}") from None
        except RuntimeError:  # httpx: "the client has been closed", while this one waited
            self._check_open(current)
            raise


@contextmanager
def open_fetcher(
    settings: FetchSettings,
    gates: HostGates | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> Iterator[Fetcher]:
    """A Fetcher for a whole run, opened and closed on the process's fetch loop, so that
    every harvest of the run (from any thread, through run_async) shares its connection
    pools, its per-host gates and its cap on requests in flight."""
    fetcher = Fetcher(settings, gates, wrap)
    run_async(fetcher.__aenter__())
    try:
        yield fetcher
    finally:
        run_async(fetcher.__aexit__(None, None, None))


def fetch_once(
    url: str, settings: FetchSettings, headers: dict[str, str] | None = None
) -> Response:
    """One guarded GET from synchronous code (tests, `entente sources check`)."""

    async def run() -> Response:
        async with Fetcher(settings) as fetcher:
            return await fetcher.get(url, headers)

    return run_async(run())


# Every fetch of the process runs on one event loop, in a thread of its own: sources
# harvested at the same time (Prefect runs each in a thread) share it. With one loop per
# harvest thread, the threads' loops spent about as much CPU again in GIL hand-offs as
# the fetching itself (bench/pipeline).
_fetch_loop: dict[str, tuple[asyncio.AbstractEventLoop, threading.Thread]] = {}
_loop_lock = threading.Lock()


def _shared_loop() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    with _loop_lock:
        held = _fetch_loop.get("loop")
        if held is None or not held[1].is_alive():  # first use, or a forked child
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="entente-fetch", daemon=True)
            thread.start()
            held = _fetch_loop["loop"] = (loop, thread)
        return held


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, on the process's fetch loop."""
    loop, thread = _shared_loop()
    if threading.current_thread() is thread:
        # sync code called from a coroutine on that loop: waiting on it would deadlock
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coro).result()
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result()
    except BaseException:
        future.cancel()  # interrupted while waiting: stop the work too
        raise
