"""Packet bytes for record 2: Ethernet frames carrying one TCP segment over IPv4 or IPv6."""

from __future__ import annotations

import ipaddress
import random
import struct
from enum import IntEnum

__all__ = ["ETHERTYPE_IPV4", "ETHERTYPE_IPV6", "IP_PROTOCOL_TCP", "TcpFlag", "build_frame"]

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
IP_PROTOCOL_TCP = 6


class TcpFlag(IntEnum):
    """TCP header flag bits."""

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10


def build_frame(
    rng: random.Random,
    *,
    source_mac: str,
    destination_mac: str,
    source: str,
    destination: str,
    source_port: int,
    destination_port: int,
    payload: bytes,
) -> bytes:
    """An Ethernet frame carrying one TCP segment (PSH|ACK) over IPv4 or IPv6.

    Checksums (IPv4 header, TCP with pseudo-header) are correct, so packet tools accept it.

    Args:
        rng: source of sequence numbers, IP id and TTL.
        source_mac: Ethernet source, ``"00:50:56:.."``.
        destination_mac: Ethernet destination.
        source: IPv4 or IPv6 source address.
        destination: address of the same family.
        source_port: TCP source port.
        destination_port: TCP destination port.
        payload: TCP payload (e.g. an HTTP request).

    Returns:
        The frame bytes.
    """
    src_ip = ipaddress.ip_address(source)
    dst_ip = ipaddress.ip_address(destination)
    tcp_header = struct.pack(
        ">HHIIBBHHH",
        source_port,
        destination_port,
        rng.getrandbits(32),
        rng.getrandbits(32),
        5 << 4,
        TcpFlag.PSH | TcpFlag.ACK,
        rng.choice((502, 1024, 64240)),
        0,
        0,
    )
    segment = tcp_header + payload
    if src_ip.version == 4:
        pseudo = src_ip.packed + dst_ip.packed + struct.pack(">BBH", 0, IP_PROTOCOL_TCP, len(segment))
    else:
        pseudo = src_ip.packed + dst_ip.packed + struct.pack(">IxxxB", len(segment), IP_PROTOCOL_TCP)
    checksum = _internet_checksum(pseudo + segment)
    segment = segment[:16] + struct.pack(">H", checksum) + segment[18:]
    if src_ip.version == 4:
        ip_header = struct.pack(
            ">BBHHHBBH4s4s",
            0x45,
            0,
            20 + len(segment),
            rng.getrandbits(16),
            0x4000,  # don't fragment
            rng.choice((64, 128, 57)),
            IP_PROTOCOL_TCP,
            0,
            src_ip.packed,
            dst_ip.packed,
        )
        ip_header = ip_header[:10] + struct.pack(">H", _internet_checksum(ip_header)) + ip_header[12:]
        ethertype = ETHERTYPE_IPV4
    else:
        ip_header = struct.pack(
            ">IHBB16s16s",
            6 << 28,
            len(segment),
            IP_PROTOCOL_TCP,
            rng.choice((64, 128)),
            src_ip.packed,
            dst_ip.packed,
        )
        ethertype = ETHERTYPE_IPV6
    ethernet = _mac_bytes(destination_mac) + _mac_bytes(source_mac) + struct.pack(">H", ethertype)
    return ethernet + ip_header + segment


def _internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(int(word) for word in struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _mac_bytes(text: str) -> bytes:
    return bytes(int(part, 16) for part in text.split(":"))
