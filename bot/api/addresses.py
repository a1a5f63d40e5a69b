"""Who is calling, as an address: the peer, or behind a trusted proxy (nginx) the address
the proxies say they were called from."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from pydantic import IPvAnyNetwork

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    try:
        found = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket shows IPv4 callers as ::ffff:a.b.c.d.
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, proxies: Sequence[IPvAnyNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(request: web.Request, proxies: Sequence[IPvAnyNetwork]) -> str:
    """The caller's address. X-Forwarded-For is read only when the peer is one of
    ``proxies`` (anyone else could write anything there), from the right: each proxy
    appends who called it, so the right-most address that is not a proxy's is the first
    one no proxy of ours can vouch for beyond, the caller. Anything unreadable on the
    way stops the walk at the last address known good."""
    peer = request.remote or ""
    found = _address(peer)
    if found is None or not _trusted(found, proxies):
        return peer
    hops = ",".join(request.headers.getall("X-Forwarded-For", ())).split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        found = address
        if not _trusted(address, proxies):
            break
    return str(found)
