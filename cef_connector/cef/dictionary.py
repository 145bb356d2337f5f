"""The CEF extension dictionary: producer keys, their types and maximum lengths.

Source: CEF doc §2.1 (producer keys, v23/v25 lengths), §2.2 (consumer keys that a
producer must never send) and §6 item 11 (custom fields that need a label).  The
encoder (:mod:`cef_connector.cef.encoder`) and the mapping loader both read this
table; nothing else in the package hard-codes CEF key names.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "KeyType",
    "KeyInfo",
    "PRODUCER_KEYS",
    "CONSUMER_KEYS",
    "LABEL_KEYS",
    "KEY_PATTERN",
    "CUSTOM_KEY_MAX_LENGTH",
    "HEADER_MAX_LENGTHS",
    "key_info",
]


class KeyType(enum.Enum):
    """CEF 0.x data types of the dictionary (CEF doc §2.1, "Type" column)."""

    STRING = "String"
    INTEGER = "Integer"
    LONG = "Long"
    FLOAT = "Floating point"
    IPV4 = "IPv4 address"
    IPV6 = "IPv6 address"
    MAC = "MAC address"
    TIMESTAMP = "Timestamp"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What the dictionary says about one extension key.

    Attributes:
        key: the key exactly as it is written on the wire (``cs1``, ``in``).
        full_name: the ArcSight field name (``deviceCustomString1``, ``bytesIn``).
        type: the CEF data type; it decides how the encoder validates a value.
        max_length: maximum length in characters for string types, else ``None``.
        label: for a custom field that needs a label (``cs1``), the label key
            (``cs1Label``); else ``None``.
        label_of: for a label key (``cs1Label``), the key it describes (``cs1``).
        min_value / max_value: inclusive range for integer keys that have one
            (ports 0–65535, ``deviceDirection`` 0–1), else ``None``.
    """

    key: str
    full_name: str
    type: KeyType
    max_length: int | None = None
    label: str | None = None
    label_of: str | None = None
    min_value: int | None = None
    max_value: int | None = None


#: Extension keys must be one alphanumeric word (CEF doc §1.4, "Extension key").
KEY_PATTERN = re.compile(r"[A-Za-z0-9]+")

#: Custom (non-dictionary) keys have no dictionary length; we cap them like most
#: dictionary strings (project rule, CEF doc §2.5).
CUSTOM_KEY_MAX_LENGTH = 1023

#: Header field limits in characters (CEF doc §1.1; Name 512 is [unconfirmed]).
HEADER_MAX_LENGTHS: dict[str, int] = {
    "device_vendor": 63,
    "device_product": 63,
    "device_version": 31,
    "signature_id": 1023,
    "name": 512,
}

_S = KeyType.STRING
_I = KeyType.INTEGER
_L = KeyType.LONG
_F = KeyType.FLOAT
_IP4 = KeyType.IPV4
_IP6 = KeyType.IPV6
_MAC = KeyType.MAC
_TS = KeyType.TIMESTAMP

# (key, full name, type, max length) in the order of CEF doc §2.1.  Custom-field
# families (cs, cn, cfp, c6a, deviceCustomDate, flexString, flexDate) are added
# below together with their labels.
_PLAIN_KEYS: tuple[tuple[str, str, KeyType, int | None], ...] = (
    ("act", "deviceAction", _S, 63),
    ("app", "applicationProtocol", _S, 31),
    ("cat", "deviceEventCategory", _S, 1023),
    ("cnt", "baseEventCount", _I, None),
    ("destinationDnsDomain", "destinationDnsDomain", _S, 255),
    ("destinationServiceName", "destinationServiceName", _S, 1023),
    ("destinationTranslatedAddress", "destinationTranslatedAddress", _IP4, None),
    ("destinationTranslatedPort", "destinationTranslatedPort", _I, None),
    ("deviceDirection", "deviceDirection", _I, None),
    ("deviceDnsDomain", "deviceDnsDomain", _S, 255),
    ("deviceExternalId", "deviceExternalId", _S, 255),
    ("deviceFacility", "deviceFacility", _S, 1023),
    ("deviceInboundInterface", "deviceInboundInterface", _S, 128),
    ("deviceOutboundInterface", "deviceOutboundInterface", _S, 128),
    ("deviceNtDomain", "deviceNtDomain", _S, 255),
    ("devicePayloadId", "devicePayloadId", _S, 128),
    ("deviceProcessName", "deviceProcessName", _S, 1023),
    ("deviceTranslatedAddress", "deviceTranslatedAddress", _IP4, None),
    ("dhost", "destinationHostName", _S, 1023),
    ("dmac", "destinationMacAddress", _MAC, None),
    ("dntdom", "destinationNtDomain", _S, 255),
    ("dpid", "destinationProcessId", _I, None),
    ("dpriv", "destinationUserPrivileges", _S, 1023),
    ("dproc", "destinationProcessName", _S, 1023),
    ("dpt", "destinationPort", _I, None),
    ("dst", "destinationAddress", _IP4, None),
    ("dtz", "deviceTimeZone", _S, 255),
    ("duid", "destinationUserId", _S, 1023),
    ("duser", "destinationUserName", _S, 1023),
    ("dvc", "deviceAddress", _IP4, None),
    ("dvchost", "deviceHostName", _S, 100),
    ("dvcmac", "deviceMacAddress", _MAC, None),
    ("dvcpid", "deviceProcessId", _I, None),
    ("end", "endTime", _TS, None),
    ("externalId", "externalId", _S, 40),
    ("fileCreateTime", "fileCreateTime", _TS, None),
    ("fileHash", "fileHash", _S, 255),
    ("fileId", "fileId", _S, 1023),
    ("fileModificationTime", "fileModificationTime", _TS, None),
    ("filePath", "filePath", _S, 1023),
    ("filePermission", "filePermission", _S, 1023),
    ("fileType", "fileType", _S, 1023),
    ("fname", "filename", _S, 1023),
    ("fsize", "fileSize", _I, None),
    ("in", "bytesIn", _L, None),
    ("msg", "message", _S, 1023),
    ("oldFileCreateTime", "oldFileCreateTime", _TS, None),
    ("oldFileModificationTime", "oldFileModificationTime", _TS, None),
    ("oldFileHash", "oldFileHash", _S, 255),
    ("oldFileId", "oldFileId", _S, 1023),
    ("oldFileName", "oldFileName", _S, 1023),
    ("oldFilePath", "oldFilePath", _S, 1023),
    ("oldFilePermission", "oldFilePermission", _S, 1023),
    ("oldFileType", "oldFileType", _S, 1023),
    ("oldFileSize", "oldFileSize", _I, None),
    ("out", "bytesOut", _L, None),
    ("outcome", "eventOutcome", _S, 63),
    ("proto", "transportProtocol", _S, 31),
    ("reason", "reason", _S, 1023),
    ("request", "requestUrl", _S, 1023),
    ("requestClientApplication", "requestClientApplication", _S, 1023),
    ("requestContext", "requestContext", _S, 2048),
    ("requestCookies", "requestCookies", _S, 1023),
    ("requestMethod", "requestMethod", _S, 1023),
    ("rt", "deviceReceiptTime", _TS, None),
    ("shost", "sourceHostName", _S, 1023),
    ("smac", "sourceMacAddress", _MAC, None),
    ("sntdom", "sourceNtDomain", _S, 255),
    ("sourceDnsDomain", "sourceDnsDomain", _S, 255),
    ("sourceServiceName", "sourceServiceName", _S, 1023),
    ("sourceTranslatedAddress", "sourceTranslatedAddress", _IP4, None),
    ("sourceTranslatedPort", "sourceTranslatedPort", _I, None),
    ("spid", "sourceProcessId", _I, None),
    ("spriv", "sourceUserPrivileges", _S, 1023),
    ("sproc", "sourceProcessName", _S, 1023),
    ("spt", "sourcePort", _I, None),
    ("src", "sourceAddress", _IP4, None),
    ("start", "startTime", _TS, None),
    ("suid", "sourceUserId", _S, 1023),
    ("suser", "sourceUserName", _S, 1023),
    ("type", "type", _I, None),
)

# Integer ranges stated by the dictionary (CEF doc §2.1 and §6 item 14).
_RANGES: dict[str, tuple[int, int]] = {
    "spt": (0, 65535),
    "dpt": (0, 65535),
    "sourceTranslatedPort": (0, 65535),
    "destinationTranslatedPort": (0, 65535),
    "deviceDirection": (0, 1),
    "type": (0, 3),
}

# Custom-field families: (wire prefix, ArcSight name prefix, indices, value type,
# value max length, label max length).  Each value needs its label and a label
# is only meaningful with its value (CEF doc §6 item 11).
_LABELLED_FAMILIES: tuple[tuple[str, str, tuple[int, ...], KeyType, int | None, int], ...] = (
    ("cs", "deviceCustomString", (1, 2, 3, 4, 5, 6), _S, 4000, 1023),
    ("cn", "deviceCustomNumber", (1, 2, 3), _L, None, 1023),
    ("cfp", "deviceCustomFloatingPoint", (1, 2, 3, 4), _F, None, 1023),
    ("c6a", "deviceCustomIPv6Address", (1, 2, 3, 4), _IP6, None, 1023),
    ("deviceCustomDate", "deviceCustomDate", (1, 2), _TS, None, 1023),
    ("flexString", "flexString", (1, 2), _S, 1023, 128),
    ("flexDate", "flexDate", (1,), _TS, None, 128),
)


def _build_producer_keys() -> dict[str, KeyInfo]:
    table: dict[str, KeyInfo] = {}
    for key, full_name, key_type, max_length in _PLAIN_KEYS:
        low, high = _RANGES.get(key, (None, None))
        table[key] = KeyInfo(key, full_name, key_type, max_length, min_value=low, max_value=high)
    for prefix, full_prefix, indices, key_type, max_length, label_length in _LABELLED_FAMILIES:
        for index in indices:
            key = f"{prefix}{index}"
            label = f"{key}Label"
            table[key] = KeyInfo(key, f"{full_prefix}{index}", key_type, max_length, label=label)
            table[label] = KeyInfo(label, f"{full_prefix}{index}Label", _S, label_length, label_of=key)
    return table


#: Every key a producer may emit, by wire name.
PRODUCER_KEYS: dict[str, KeyInfo] = _build_producer_keys()

#: Label keys (``cs1Label`` …) → the key each one describes.
LABEL_KEYS: dict[str, str] = {
    info.key: info.label_of for info in PRODUCER_KEYS.values() if info.label_of is not None
}

#: Keys the receiving ArcSight side sets; producers must not send them (CEF doc §2.2).
CONSUMER_KEYS: frozenset[str] = frozenset(
    {
        "agt", "ahost", "aid", "amac", "art", "at", "atz", "av",
        "agentDnsDomain", "agentNtDomain", "agentTranslatedAddress",
        "agentZoneURI", "agentTranslatedZoneURI", "customerURI", "sourceZoneURI",
        "sourceTranslatedZoneURI", "destinationZoneURI", "destinationTranslatedZoneURI",
        "deviceZoneURI", "deviceTranslatedZoneURI",
        "agentZoneExternalID", "agentTranslatedZoneExternalID", "customerExternalID",
        "sourceZoneExternalID", "sourceTranslatedZoneExternalID",
        "destinationZoneExternalID", "destinationTranslatedZoneExternalID",
        "deviceZoneExternalID", "deviceTranslatedZoneExternalID",
        "dlat", "dlong", "slat", "slong", "eventId", "rawEvent",
    }
)


def key_info(key: str) -> KeyInfo | None:
    """Return the dictionary entry of a producer key.

    Args:
        key: the key as written on the wire, case-sensitive.

    Returns:
        The :class:`KeyInfo`, or ``None`` when ``key`` is not a producer key.
    """
    return PRODUCER_KEYS.get(key)
