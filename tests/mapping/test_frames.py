"""transport_payload: Ethernet/VLAN, IPv4/IPv6, TCP/UDP; anything else gives the whole frame."""

from __future__ import annotations

import struct

import pytest

from cef_connector.mapping.frames import transport_payload
from cef_connector.mapping.samples import sample_packet_frame

ETH_IPV4 = bytes.fromhex("005056a1b2c3005056d4e5f6") + b"\x08\x00"
ETH_IPV6 = bytes.fromhex("005056a1b2c3005056d4e5f6") + b"\x86\xdd"


def ipv4(payload: bytes, protocol: int, *, ihl: int = 5, fragment: int = 0, total: int | None = None) -> bytes:
    options = b"\x00" * (4 * (ihl - 5))
    length = total if total is not None else 4 * ihl + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length, 1, fragment, 64, protocol, 0,
                       b"\xc0\x00\x02\x0a", b"\xc6\x33\x64\x14") + options + payload


def udp(payload: bytes) -> bytes:
    return struct.pack("!HHHH", 53, 5353, 8 + len(payload), 0) + payload


def tcp(payload: bytes, offset: int = 5) -> bytes:
    return struct.pack("!HHIIBBHHH", 1, 2, 0, 0, offset << 4, 0x18, 0, 0, 0) + b"\x00" * (4 * (offset - 5)) + payload


def ipv6(payload: bytes, next_header: int) -> bytes:
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header, 64, b"\x20\x01" + b"\x00" * 14,
                       b"\x20\x01" + b"\x00" * 13 + b"\x01") + payload


def test_ethernet_ipv4_tcp_payload() -> None:
    assert transport_payload(sample_packet_frame(b"hello"), 1) == b"hello"


def test_tcp_options_and_ip_options_are_skipped() -> None:
    frame = ETH_IPV4 + ipv4(tcp(b"data", offset=8), 6, ihl=6)
    assert transport_payload(frame, 1) == b"data"


def test_vlan_and_qinq_tags_are_skipped() -> None:
    tags = b"\x88\xa8\x00\x64" + b"\x81\x00\x00\xc8"
    frame = bytes.fromhex("005056a1b2c3005056d4e5f6") + tags + b"\x08\x00" + ipv4(udp(b"dns"), 17)
    assert transport_payload(frame, 1) == b"dns"


def test_ethernet_padding_after_ipv4_total_length_is_dropped() -> None:
    frame = ETH_IPV4 + ipv4(udp(b"x"), 17) + b"\x00" * 10
    assert transport_payload(frame, 1) == b"x"


def test_ipv6_udp_payload() -> None:
    assert transport_payload(ETH_IPV6 + ipv6(udp(b"six"), 17), 1) == b"six"


def test_ipv6_with_extension_header_keeps_it_in_the_payload() -> None:
    body = b"\x11\x00" + b"\x00" * 6 + udp(b"z")
    assert transport_payload(ETH_IPV6 + ipv6(body, 0), 1) == body


def test_non_first_fragment_has_no_transport_header() -> None:
    assert transport_payload(ETH_IPV4 + ipv4(b"rest-of-data", 6, fragment=185), 1) == b"rest-of-data"


def test_icmp_payload_is_everything_after_the_ip_header() -> None:
    icmp = b"\x08\x00\x00\x00\x00\x01\x00\x01ping"
    assert transport_payload(ETH_IPV4 + ipv4(icmp, 1), 1) == icmp


def test_raw_ip_link_type() -> None:
    assert transport_payload(ipv4(udp(b"raw"), 17), 101) == b"raw"


@pytest.mark.parametrize(
    ("frame", "link_type"),
    [
        (b"\x01\x02\x03", 1),                                  # shorter than an Ethernet header
        (ETH_IPV4 + b"\x45\x00", 1),                           # truncated IPv4 header
        (ETH_IPV4 + ipv4(b"\x00" * 10, 6), 1),                 # truncated TCP header
        (ETH_IPV4 + ipv4(tcp(b"", offset=5)[:12] + b"\xf0" + b"\x00" * 7, 6), 1),  # data offset past the end
        (bytes.fromhex("005056a1b2c3005056d4e5f6") + b"\x08\x06" + b"arp", 1),    # ARP
        (ETH_IPV4 + b"\x46\x00\x00\x14" + b"\x00" * 16, 1),   # IHL says 24 bytes, only 20 there
        (b"anything", 113),                                    # Linux cooked capture: not parsed
        (ETH_IPV6 + b"\x60\x00", 1),                           # truncated IPv6 header
    ],
)
def test_unparseable_frames_are_returned_whole(frame: bytes, link_type: int) -> None:
    assert transport_payload(frame, link_type) == frame
