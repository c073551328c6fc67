"""Which client a call comes from, for the per-client rate limits of Register and Login.

A call's own peer is the client unless that peer is a trusted proxy: the REST bridge in this process (it
calls over loopback) or a proxy listed in ``LOGLENS_TRUSTED_PROXIES``. Only then is its ``x-forwarded-for``
believed, and it is read from the right: each proxy appends the address it saw, so the first address from
the right that is not a listed proxy is the client, and whatever a client wrote further left (a forged
header) is never reached. A direct caller's ``x-forwarded-for`` is ignored.

Loopback is trusted as the direct peer only (that is the bridge). Inside the chain only listed proxies are:
an HTTP client of the bridge on this machine is a client like any other, unless the operator lists
127.0.0.1 because a local reverse proxy sits in front.

IPv6 clients are keyed by their /64: one host usually holds a whole /64, so a per-address key would let it
take a fresh bucket per address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_FOR = "x-forwarded-for"
LOOPBACK: tuple[IpNetwork, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
MAX_HOPS = 16  # a longer chain is someone's forgery or a loop: the walk stops there
IPV6_CLIENT_PREFIX = 64


def parse_networks(spec: str) -> tuple[IpNetwork, ...]:
    """``"10.0.0.0/8, 192.168.1.7"`` -> networks; ValueError names the entry that is not one."""
    networks = []
    for item in spec.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network (e.g. 10.0.0.0/8)") from None
    return tuple(networks)


def peer_address(peer: str) -> str:
    """The address of a gRPC peer string (``ipv4:1.2.3.4:5678``, ``ipv6:[::1]:5678``), port dropped."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1 : rest.index("]")] if "]" in rest else rest
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    return peer or "unknown"


def _ip(text: str) -> IpAddress | None:
    """An address as proxies write it: ``1.2.3.4``, ``1.2.3.4:80``, ``::1``, ``[::1]:80``; None otherwise."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_key(address: IpAddress) -> str:
    """The rate-limit key of a client address: the address itself, or its /64 for a global IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address) and not address.is_loopback:
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[IpNetwork] = ()) -> None:
        self.proxies = tuple(trusted_proxies)

    def is_proxy(self, address: IpAddress) -> bool:
        return any(address in network for network in self.proxies)

    def client(self, peer: str, forwarded_for: str = "") -> str:
        """The rate-limit key of the client behind a gRPC ``peer`` that sent ``forwarded_for`` (may be empty)."""
        peer_ip = _ip(peer_address(peer))
        if peer_ip is None:  # a Unix socket or an unknown transport: one key for all of them
            return peer_address(peer)
        trusted_peer = any(peer_ip in network for network in LOOPBACK) or self.is_proxy(peer_ip)
        if not trusted_peer or not forwarded_for:
            return client_key(peer_ip)
        client: IpAddress | None = None
        for hop in reversed([h for h in forwarded_for.split(",") if h.strip()][-MAX_HOPS:]):
            address = _ip(hop)
            if address is None:  # garbage a trusted hop passed on: stop at the last address we could read
                break
            client = address
            if not self.is_proxy(address):
                break
        return client_key(client or peer_ip)
