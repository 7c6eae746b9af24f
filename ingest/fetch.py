"""HTTP fetching: timeouts, a redirect limit, a streaming size cap and an SSRF guard.

This is the only module that opens network connections.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.settings import FetchSettings
from transforms.errors import FetchError

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Response:
    """A complete, size-capped response body and what we need of its headers."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    encoding: str | None
    body: bytes
    elapsed_ms: int
    etag: str | None = None
    last_modified: str | None = None


def _is_forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_destination(url: str, settings: FetchSettings) -> None:
    """Refuse URLs that resolve to private, loopback, link-local or metadata addresses."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError("bad_url", f"not an http(s) URL: {url}")
    if settings.allow_private_networks:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError("dns_error", f"cannot resolve {parts.hostname}: {exc.strerror}") from None
    for info in infos:
        address = str(info[4][0])
        if _is_forbidden_address(address):
            raise FetchError(
                "blocked_address",
                f"{parts.hostname} resolves to non-public address {address}; "
                "set allow_private_networks to allow it",
            )


def make_client(settings: FetchSettings) -> httpx.Client:
    """A client with Entente's timeouts and headers; redirects are followed by `fetch`."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,
    )


def fetch(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    headers: dict[str, str] | None = None,
) -> Response:
    """GET a URL, following at most `max_redirects` redirects, each checked by the SSRF guard.

    Raises FetchError with a one-line reason on any failure, including non-2xx statuses
    (304 is returned, not raised: the caller asked for it with conditional headers).
    """
    started = time.monotonic()
    deadline = started + settings.total_timeout
    current = url
    seen: set[str] = set()
    for _hop in range(settings.max_redirects + 1):
        check_destination(current, settings)
        seen.add(current)
        try:
            with client.stream("GET", current, headers=headers) as response:
                if response.status_code in REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(
                            "http_error",
                            f"redirect without Location from {current}",
                            response.status_code,
                        )
                    target = urljoin(current, location)
                    if target in seen:
                        raise FetchError(
                            "redirect_loop", f"redirect loop at {target}", response.status_code
                        )
                    current = target
                    continue
                body = _read_capped(response, settings.max_bytes, deadline, current)
                elapsed = int((time.monotonic() - started) * 1000)
                if response.status_code != 304 and not 200 <= response.status_code < 300:
                    raise FetchError(
                        "http_error",
                        f"HTTP {response.status_code} from {current}",
                        response.status_code,
                    )
                return Response(
                    url=url,
                    final_url=str(response.url),
                    status=response.status_code,
                    content_type=response.headers.get("content-type"),
                    encoding=response.charset_encoding,
                    body=body,
                    elapsed_ms=elapsed,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TimeoutException as exc:
            raise FetchError(
                "timeout", f"timed out fetching {current}: {type(exc).__name__}"
            ) from None
        except httpx.ConnectError as exc:
            raise FetchError("connect_error", f"cannot connect to {current}: {exc}") from None
        except httpx.DecodingError as exc:
            raise FetchError("decode_error", f"undecodable body from {current}: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError(
                "transport_error", f"{type(exc).__name__} fetching {current}: {exc}"
            ) from None
    raise FetchError(
        "too_many_redirects", f"more than {settings.max_redirects} redirects from {url}"
    )


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float, url: str) -> bytes:
    """Read the decoded body in chunks, stopping at the size cap or the total deadline."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large",
            f"{url} declares {declared} bytes, over the {max_bytes} byte cap",
            response.status_code,
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                "too_large",
                f"{url} sent more than {max_bytes} bytes (after decompression)",
                response.status_code,
            )
        if time.monotonic() > deadline:
            raise FetchError("timeout", f"{url} exceeded the total timeout", response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)
