"""Locating the transport payload inside a captured link-layer frame (record 2).

eNcore assumed Ethernet + IPv4 and a fixed 14-byte header (CEF doc §5.11 D13).
This module parses what it can and says exactly what it returns:

* link type 1 (Ethernet, libpcap DLT_EN10MB): 14-byte header, then any number of
  802.1Q / 802.1ad / QinQ tags (4 bytes each);
* link types 101 (LINKTYPE_RAW) and 12/14 (DLT_RAW): the frame starts with the IP header;
* IPv4: header length from IHL, payload limited to the IPv4 total length (drops
  Ethernet padding); a non-first fragment has no transport header;
* IPv6: the fixed 40-byte header; the transport header is skipped only when the
  next header is TCP or UDP directly (extension headers are left in the payload);
* TCP: data offset × 4; UDP: 8 bytes.

Whenever the frame is not one of these, or a header is truncated or
inconsistent, the whole frame is returned unchanged — never an exception.
"""

from __future__ import annotations

import enum

__all__ = ["LinkType", "EtherType", "IpProtocol", "transport_payload"]


class LinkType(enum.IntEnum):
    """libpcap link-layer header types that we can parse (protocol doc §5.4 linkType)."""

    ETHERNET = 1
    DLT_RAW = 12
    DLT_RAW_ALT = 14
    RAW = 101


class EtherType(enum.IntEnum):
    """EtherType values we follow."""

    IPV4 = 0x0800
    IPV6 = 0x86DD
    VLAN = 0x8100
    QINQ = 0x88A8
    QINQ_OLD = 0x9100


class IpProtocol(enum.IntEnum):
    """IANA protocol numbers whose headers we skip."""

    TCP = 6
    UDP = 17


_VLAN_TYPES = frozenset({EtherType.VLAN, EtherType.QINQ, EtherType.QINQ_OLD})
_ETHERNET_HEADER = 14
_IPV6_HEADER = 40
_UDP_HEADER = 8
_MIN_TCP_HEADER = 20
_MIN_IPV4_HEADER = 20


def _skip_transport(data: bytes, protocol: int) -> bytes | None:
    if protocol == IpProtocol.TCP:
        if len(data) < _MIN_TCP_HEADER:
            return None
        offset = (data[12] >> 4) * 4
        if offset < _MIN_TCP_HEADER or offset > len(data):
            return None
        return data[offset:]
    if protocol == IpProtocol.UDP:
        if len(data) < _UDP_HEADER:
            return None
        return data[_UDP_HEADER:]
    return data


def _ip_payload(packet: bytes) -> bytes | None:
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4:
        header = (packet[0] & 0x0F) * 4
        if header < _MIN_IPV4_HEADER or len(packet) < header:
            return None
        total = int.from_bytes(packet[2:4], "big")
        end = total if header <= total <= len(packet) else len(packet)
        fragment_offset = int.from_bytes(packet[6:8], "big") & 0x1FFF
        body = packet[header:end]
        if fragment_offset:
            return body
        return _skip_transport(body, packet[9])
    if version == 6:
        if len(packet) < _IPV6_HEADER:
            return None
        length = int.from_bytes(packet[4:6], "big")
        end = _IPV6_HEADER + length
        body = packet[_IPV6_HEADER : end if end <= len(packet) else len(packet)]
        return _skip_transport(body, packet[6])
    return None


def transport_payload(frame: bytes, link_type: int) -> bytes:
    """Return the bytes after the link, IP and TCP/UDP headers of a frame.

    Args:
        frame: the captured frame (``packetData`` of record 2).
        link_type: the record's ``linkType`` (libpcap numbering).

    Returns:
        The transport payload (possibly empty, e.g. a bare TCP SYN), or the whole
        frame when its link type or headers are not understood.
    """
    data = bytes(frame)
    if link_type == LinkType.ETHERNET:
        if len(data) < _ETHERNET_HEADER:
            return data
        offset = 12
        ether_type = int.from_bytes(data[offset : offset + 2], "big")
        while ether_type in _VLAN_TYPES:
            offset += 4
            if len(data) < offset + 2:
                return data
            ether_type = int.from_bytes(data[offset : offset + 2], "big")
        if ether_type not in (EtherType.IPV4, EtherType.IPV6):
            return data
        payload = _ip_payload(data[offset + 2 :])
    elif link_type in (LinkType.RAW, LinkType.DLT_RAW, LinkType.DLT_RAW_ALT):
        payload = _ip_payload(data)
    else:
        return data
    return data if payload is None else payload
