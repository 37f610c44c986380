"""The default interface and this machine's primary IPv4 and IPv6 addresses, from /proc/net.

No socket is opened and nothing is sent: the routing tables say which interface the default
route leaves by, /proc/net/fib_trie lists the local IPv4 addresses, /proc/net/if_inet6 the IPv6
ones. "Primary" is the address on the default route's interface, in one of its subnets.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from sot.collect.facts_files import clean, read_text
from sot.collect.procfs_parsers import parse_default_route

FIB_TRIE_BYTES = 4 << 20  # a router with many routes has a long fib_trie; the locals come first
_RTF_REJECT = 0x0200  # an unreachable route ("lo" holds one for ::/0): no way out
# /proc/net/if_inet6 flags (IFA_F_*): addresses not to call primary, and the temporary
# (privacy) ones that change every few hours.
_IFA_F_TEMPORARY = 0x01
_IFA_F_UNUSABLE = 0x20 | 0x40 | 0x08  # deprecated, tentative, DAD failed
_IPV6_GLOBAL_SCOPE = "00"


def read_network(root: Path) -> tuple[str | None, str | None, str | None]:
    """(default interface, its IPv4 address, its IPv6 address)."""
    routes = read_text(root, "/proc/net/route") or ""
    interface = parse_default_route(routes)
    ipv6_interface = ipv6_default_interface(read_text(root, "/proc/net/ipv6_route") or "")
    ipv4 = None
    if interface is not None:
        fib_trie = read_text(root, "/proc/net/fib_trie", FIB_TRIE_BYTES) or ""
        ipv4 = primary_ipv4(routes, local_ipv4_addresses(fib_trie), interface)
    ipv6_on = ipv6_interface or interface
    ipv6 = None
    if ipv6_on is not None:
        ipv6 = primary_ipv6(read_text(root, "/proc/net/if_inet6") or "", ipv6_on)
    return clean(interface or ipv6_interface), ipv4, ipv6


def _ipv4_from_route_hex(text: str) -> int:
    """/proc/net/route prints each address as the host-order number of its network-order bytes."""
    return int.from_bytes(int(text, 16).to_bytes(4, sys.byteorder), "big")


def _ipv4_text(address: int) -> str:
    return ".".join(str(byte) for byte in address.to_bytes(4, "big"))


def local_ipv4_addresses(fib_trie: str) -> list[int]:
    """The addresses fib_trie marks ``host LOCAL`` (this machine's own), loopback left out, in
    the order listed."""
    found: list[int] = []
    current: str | None = None
    for line in fib_trie.splitlines():
        text = line.strip()
        if text.startswith("|-- "):
            current = text[4:]
        elif current is not None and text.startswith("/") and text.endswith("host LOCAL"):
            try:
                value = int.from_bytes(socket.inet_aton(current), "big")
            except OSError:
                continue
            if value >> 24 != 127 and value not in found:
                found.append(value)
    return found


def _networks(route_table: str) -> list[tuple[str, int, int]]:
    """(interface, network, mask) of each non-default route."""
    found = []
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[7] == "00000000":
            continue
        try:
            network, mask = _ipv4_from_route_hex(fields[1]), _ipv4_from_route_hex(fields[7])
        except ValueError:
            continue
        found.append((fields[0], network, mask))
    return found


def primary_ipv4(route_table: str, local: list[int], interface: str) -> str | None:
    """The local address in a subnet of ``interface``; failing that (a /32 address reached
    through a host route, as on some clouds), the one local address in no other interface's
    subnet, if there is exactly one."""
    networks = _networks(route_table)

    def in_subnet_of(address: int, wanted: str | None, other: bool = False) -> bool:
        return any(
            (name != wanted if other else name == wanted) and address & mask == network
            for name, network, mask in networks
        )

    mine = [address for address in local if in_subnet_of(address, interface)]
    if mine:
        return _ipv4_text(mine[0])
    unclaimed = [address for address in local if not in_subnet_of(address, interface, other=True)]
    return _ipv4_text(unclaimed[0]) if len(unclaimed) == 1 else None


def ipv6_default_interface(route_table: str) -> str | None:
    """The interface of the lowest-metric usable ``::/0`` route in /proc/net/ipv6_route."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines():
        fields = line.split()
        if len(fields) < 10 or fields[0] != "0" * 32 or fields[1] != "00":
            continue
        try:
            metric, flags = int(fields[5], 16), int(fields[8], 16)
        except ValueError:
            continue
        if flags & _RTF_REJECT or fields[9] == "lo":
            continue
        if best is None or metric < best[0]:
            best = (metric, fields[9])
    return best[1] if best else None


def primary_ipv6(if_inet6: str, interface: str) -> str | None:
    """A global address of ``interface``: a stable one before a temporary (privacy) one, never
    one still being checked for duplicates or deprecated."""
    candidates: list[tuple[bool, str]] = []
    for line in if_inet6.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[5] != interface or fields[3] != _IPV6_GLOBAL_SCOPE:
            continue
        try:
            flags = int(fields[4], 16)
            text = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[0]))
        except (ValueError, OSError):
            continue
        if not flags & _IFA_F_UNUSABLE:
            candidates.append((bool(flags & _IFA_F_TEMPORARY), text))
    return min(candidates)[1] if candidates else None
