"""The SSRF guard refuses every address that is not globally routable, in every spelling.

Issue 20, item 6: carrier-grade NAT (100.64.0.0/10, where Alibaba Cloud's metadata service
and Tailscale peers live), 192.0.0.0/24, 6to4 around a private IPv4 and site-local fec0::/10
went through, because the guard asked the standard library's named flags.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from entente.ingest.fetch import check_destination, fetch_once, is_forbidden_address
from entente.ingest.settings import FetchSettings
from entente.transforms.errors import FetchError
from tests.ingest.faults import Served, fault_site

# Each not globally routable, or an IPv6 form that wraps an IPv4 address that is not.
FORBIDDEN = [
    "100.64.0.1",  # RFC 6598 shared address space (carrier-grade NAT)
    "100.100.100.200",  # Alibaba Cloud metadata
    "100.127.255.254",
    "192.0.0.1",  # IETF protocol assignments
    "192.0.0.9",  # ... including the parts the registry calls reachable
    "192.0.0.170",
    "192.0.2.7",  # documentation
    "198.51.100.7",
    "203.0.113.7",
    "198.18.0.1",  # benchmarking
    "192.88.99.1",  # the deprecated 6to4 relay anycast
    "0.1.2.3",
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "127.0.0.2",
    "169.254.169.254",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:100.100.100.200",  # IPv4-mapped
    "::ffff:a9fe:a9fe",  # IPv4-mapped metadata, in hex
    "::a00:1",  # IPv4-compatible (deprecated) 10.0.0.1
    "::808:808",  # IPv4-compatible public: not routable as such either
    "2002:a00:1::1",  # 6to4 around 10.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 around the metadata address
    "2002:6440:1::",  # 6to4 around 100.64.0.1
    "2002:7f00:1::1",  # 6to4 around loopback
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1 (bits inverted)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
    "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix around the metadata address
    "64:ff9b::a00:1",
    "64:ff9b:1::a00:1",  # local-use NAT64
    "fec0::1",  # site-local (deprecated, still routed by some stacks)
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",  # with a zone id, as getaddrinfo gives it
    "ff02::1",
    "100::1",  # discard-only
    "2001:db8::1",  # documentation
    "3fff::1",  # documentation (2024)
    "2001:10::1",  # ORCHID
    "5f00::1",  # SRv6 SIDs
]

GLOBAL = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",  # just below the shared space
    "100.128.0.1",  # just above it
    "192.0.1.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "2002:808:808::1",  # 6to4 around a public address
    "64:ff9b::808:808",  # NAT64 around a public address (IPv6-only networks with DNS64)
]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_not_globally_routable_is_forbidden(address: str) -> None:
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", GLOBAL)
def test_globally_routable_is_allowed(address: str) -> None:
    assert not is_forbidden_address(address)


def _literal(address: str) -> str:
    host = address.split("%", 1)[0]
    return f"http://[{host}]/" if ":" in host else f"http://{host}/"


@pytest.mark.parametrize("address", FORBIDDEN)
def test_guard_refuses_every_form_as_a_url(address: str) -> None:
    with pytest.raises(FetchError) as info:
        check_destination(_literal(address), FetchSettings())
    assert info.value.outcome == "blocked_address"


@pytest.mark.parametrize("address", FORBIDDEN)
def test_guard_refuses_every_form_as_a_dns_answer(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public-looking name whose DNS answer is one of the forms: refused at connect."""

    async def resolve(self: Any, host: str, port: int, **kwargs: Any) -> list[Any]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", resolve)
    with pytest.raises(FetchError) as info:
        fetch_once("http://news.example.org/feed", FetchSettings(retries=0))
    assert info.value.outcome == "blocked_address"
    assert address in str(info.value)


REDIRECTED = [a for a in FORBIDDEN if a != "127.0.0.2"]  # the test's loopback is allowed


def test_guard_refuses_every_form_behind_a_redirect() -> None:
    """A feed on an allowed host redirects to each form in turn: every hop is refused."""
    settings = FetchSettings(allowed_networks=("127.0.0.0/8",), retries=0, min_host_delay=0.0)
    with fault_site() as site:
        origin = site.origins[0]
        urls = [
            site.add(origin, f"/r{i}", Served(302, headers={"Location": _literal(address)}))
            for i, address in enumerate(REDIRECTED)
        ]
        outcomes = []
        for url, address in zip(urls, REDIRECTED, strict=True):
            with pytest.raises(FetchError) as info:
                fetch_once(url, settings)
            outcomes.append((address, info.value.outcome))
        hits = len(site.hits)
    assert outcomes == [(address, "blocked_address") for address in REDIRECTED]
    assert hits == len(REDIRECTED)  # each first hop reached the allowed loopback host


def test_allowed_networks_let_their_addresses_through_in_every_form() -> None:
    """An allowed network covers the address a connection reaches: itself, or the IPv4 address
    inside a mapped or NAT64 one. A tunnel's inner address (6to4) must still be global."""
    allowed = ("10.0.0.0/8", "fd00:1::/32")
    for address in ["10.1.2.3", "::ffff:10.1.2.3", "64:ff9b::a01:203", "fd00:1::5"]:
        assert not is_forbidden_address(address, allowed), address
    for address in ["100.64.0.1", "::ffff:192.168.0.1", "2002:a01:203::1", "fd00:2::5"]:
        assert is_forbidden_address(address, allowed), address


def test_allowed_networks_still_work_through_the_fetcher() -> None:
    with fault_site() as site:
        url = site.add(site.origins[0], "/feed", Served(200, b"intranet"))
        settings = FetchSettings(allowed_networks=("127.0.0.0/8",), min_host_delay=0.0)
        assert fetch_once(url, settings).body == b"intranet"


@pytest.mark.parametrize("address", ["100.100.100.200", "2002:a00:1::1", "fec0::1", "192.0.0.9"])
def test_allow_private_networks_turns_the_guard_off(address: str) -> None:
    check_destination(_literal(address), FetchSettings(allow_private_networks=True))
