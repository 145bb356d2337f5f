"""Hand-built record data for every metadata record type of protocol doc §5.1 and §6.

Each case is written as the rows of the doc's table for that record, in doc order: a row
holds the field name, the bytes packed by hand with ``struct.pack`` and the value the
decoder must return.  Length fields are written by hand too (never computed by our code),
and nothing here imports ``cef_connector``, so the decoder and the encoder are checked
against bytes they did not produce.  Values differ from field to field, so a swapped pair
of fields cannot pass.

Records whose doc table is missing (57, 106 and the blocks 27 and 58 of records 140 and
301) follow eNcore 3.8's definitions, as ``metadata_layouts.py`` does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

Case = tuple[int, bytes, dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One row of a doc table: field name (None: not kept, e.g. blockLength), bytes, value."""

    name: str | None
    data: bytes
    value: Any = None


def u8(name: str, value: int) -> Row:
    return Row(name, struct.pack(">B", value), value)


def u16(name: str, value: int) -> Row:
    return Row(name, struct.pack(">H", value), value)


def u32(name: str, value: int) -> Row:
    return Row(name, struct.pack(">I", value), value)


def uuid(name: str, text: str) -> Row:
    """A uuid written as its 8-4-4-4-12 text; the wire bytes are those hex digits in order."""
    return Row(name, bytes.fromhex(text.replace("-", "")), text)


def raw(name: str, hex_text: str) -> Row:
    """A uint8[n] array, decoded as lowercase hex."""
    return Row(name, bytes.fromhex(hex_text), hex_text)


def text(name: str, data: bytes, value: str) -> Row:
    """var(lengthField): raw bytes, no header (the length row precedes it)."""
    return Row(name, data, value)


def string_block(name: str, data: bytes, value: str) -> Row:
    """§4.4 string block: type 0, length including its 8 header bytes, the bytes."""
    return Row(name, struct.pack(">II", 0, 8 + len(data)) + data, value)


def block(block_type: int, *rows: Row) -> list[Row]:
    """§4.4 block header (blockType kept as a field, blockLength not) + its rows."""
    body = b"".join(row.data for row in rows)
    return [
        Row("blockType", struct.pack(">I", block_type), block_type),
        Row(None, struct.pack(">I", 8 + len(body))),
        *rows,
    ]


def case(record_type: int, rows: list[Row]) -> Case:
    data = b"".join(row.data for row in rows)
    fields = {row.name: row.value for row in rows if row.name is not None}
    return record_type, data, fields


def idlen(record_type: int, key: int, name: str) -> Case:
    """§6.2 IDLEN: id uint32, nameLength uint32, name var(nameLength)."""
    encoded = name.encode()
    return case(
        record_type,
        [u32("id", key), u32("nameLength", len(encoded)), text("name", encoded, name)],
    )


def uuid_string(record_type: int, key: str, name: str) -> Case:
    """§6.2 S2-14: block 14 = uuid, name string block."""
    return case(
        record_type,
        block(14, uuid("uuid", key), string_block("name", name.encode(), name)),
    )


#: IDLEN records with a name that tells them apart (§6.1).
IDLEN_NAMES: dict[int, str] = {
    55: "Firefox", 58: "High", 59: "IPX", 60: "Owner", 61: "Nmap", 63: "HTTP",
    90: "RNA", 91: "Qualys", 96: "Detector", 109: "Facebook", 120: "Allow",
    121: "Malware Sites", 122: "High Risk", 123: "ftd-1", 128: "Threat Detected",
    129: "Quarantine", 130: "Scanner", 131: "PDF", 281: "Destination", 300: "corp.example",
    302: "Employees", 350: "Global \u2192 Leaf", 510: "MSEXE", 515: "Stored",
    516: "Sent for Analysis", 517: "Spero Match", 518: "Encrypted", 519: "Static Match",
    602: "TLS_AES_128_GCM_SHA256", 604: "TLSv1.3", 605: "Valid", 606: "Decrypt (Resign)",
    607: "Do not decrypt", 608: "Success", 613: "Finance",
}  # fmt: skip

_KEYS = iter(range(1001, 2000))

CATALOGUE_METADATA_CASES: list[Case] = [
    # §6.2 R4: id uint32, nameLength uint16, name.
    case(4, [u32("id", 2), u16("nameLength", 6), text("name", b"medium", "medium")]),
    # §6.2 IDLEN.
    *(idlen(rt, next(_KEYS), name) for rt, name in IDLEN_NAMES.items()),
    # §6.2 FP: uuid, nameLength uint32, name, vendorLength uint32, vendor, versionLength, version.
    case(54, [
        uuid("uuid", "a1b2c3d4-0000-1111-2222-333344445555"),
        u32("nameLength", 7), text("name", b"Windows", "Windows"),
        u32("vendorLength", 9), text("vendor", b"Microsoft", "Microsoft"),
        u32("versionLength", 2), text("version", b"11", "11"),
    ]),
    # Record 57 (eNcore 3.8; every text after a uint32 length).
    case(57, [
        u32("id", 4711), u32("impact", 3), u8("exploits", 1), u8("remote", 0),
        u32("entryDateLength", 10), text("entryDate", b"2020-01-02", "2020-01-02"),
        u32("publishedDateLength", 10), text("publishedDate", b"2020-02-03", "2020-02-03"),
        u32("modifiedDateLength", 10), text("modifiedDate", b"2020-03-04", "2020-03-04"),
        u32("titleLength", 8), text("title", b"Overflow", "Overflow"),
        u32("shortDescriptionLength", 5), text("shortDescription", b"short", "short"),
        u32("descriptionLength", 4), text("description", b"long", "long"),
        u32("technicalDescriptionLength", 4), text("technicalDescription", b"tech", "tech"),
        u32("solutionLength", 5), text("solution", b"patch", "patch"),
    ]),
    # §6.3: record 62 as one block 57, and as the raw id + name that eNcore 3.8 reads.
    case(62, block(57, u32("id", 12), u32("protocol", 5), string_block("name", b"alice", "alice"))),
    case(62, [u32("id", 13), text("name", b"bob", "bob")]),
    # §6.2 R66.
    case(66, [
        u32("generatorId", 1), u32("ruleId", 2019418), u32("ruleRevision", 3),
        u32("signatureId", 2019419), u16("messageLength", 11),
        uuid("ruleUuid", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        uuid("ruleRevisionUuid", "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"),
        text("message", b"ET POLICY x", "ET POLICY x"),
    ]),
    # §6.2 R67 (67) and R69 = R67 (69).
    *(
        case(rt, [
            u32("id", rt * 10), u16("nameLength", 4), text("name", b"name", "name"),
            u16("descriptionLength", 11), text("description", b"description", "description"),
            uuid("uuid", "01234567-89ab-cdef-0123-456789abcdef"),
            uuid("revisionUuid", "fedcba98-7654-3210-fedc-ba9876543210"),
        ])
        for rt in (67, 69)
    ),
    # §6.2 R70.
    case(70, [
        u32("id", 700), u16("nameLength", 8), text("name", b"Rule one", "Rule one"),
        u16("descriptionLength", 3), text("description", b"why", "why"),
        u16("eventTypeLength", 9), text("eventType", b"intrusion", "intrusion"),
        uuid("correlationRuleUuid", "10000000-0000-0000-0000-000000000001"),
        uuid("correlationRevisionUuid", "20000000-0000-0000-0000-000000000002"),
        uuid("whitelistUuid", "30000000-0000-0000-0000-000000000003"),
    ]),
    # §5.10 / §6.3: record 98 = block 57; the name's trailing NUL is not part of the name.
    case(98, block(57, u32("id", 4242), u32("protocol", 710),
                   string_block("name", b"carol", "carol"))),
    # Record 106 (eNcore 3.8 order, its naming slips corrected).
    case(106, [
        u32("id", 106106), u32("scannerType", 2),
        u32("titleLength", 5), text("title", b"Title", "Title"),
        u32("descriptionLength", 4), text("description", b"Desc", "Desc"),
        u32("cveIdLength", 13), text("cveId", b"CVE-2020-1234", "CVE-2020-1234"),
        u32("bugtraqIdLength", 5), text("bugtraqId", b"12345", "12345"),
    ]),
    # §5.5: record 111 = block 5.
    case(111, block(5, u32("type", 1),
                    string_block("name", b"Original Client IP", "Original Client IP"),
                    string_block("encoding", b"ipv6", "ipv6"))),
    # §6.2 S2-14.
    uuid_string(115, "00112233-4455-6677-8899-aabbccddeeff", "inside"),
    uuid_string(116, "01020304-0506-0708-090a-0b0c0d0e0f10", "eth0"),
    uuid_string(117, "11111111-2222-3333-4444-555555555555", "Old ACP"),
    uuid_string(118, "22222222-3333-4444-5555-666666666666", "Balanced"),
    uuid_string(127, "33333333-4444-5555-6666-777777777777", "AMP Cloud"),
    uuid_string(322, "71727374-7576-7778-7980-818283848586", "Sinkhole v4"),
    # §6.2 S2-15.
    case(119, block(15, uuid("revisionUuid", "11111111-2222-3333-4444-555555555555"),
                    u32("ruleId", 268435457), string_block("name", b"Allow web", "Allow web"))),
    # §6.2 S2-59.
    case(124, block(59, u32("id", 0x10001), string_block("description", b"IP Block", "IP Block"))),
    # §6.2 UUID+STR: uuid, string block, no block header.
    case(132, [uuid("uuid", "41424344-4546-4748-4950-515253545556"),
               string_block("name", b"tenant-a", "tenant-a")]),
    # Record 140 = block 27 (eNcore 3.8 order).
    case(140, block(
        27, u32("signatureId", 2019418), u32("generatorId", 1), u32("revision", 4),
        string_block("summary", b"sum", "sum"), string_block("impact", b"imp", "imp"),
        string_block("detail", b"det", "det"),
        string_block("affectedSystems", b"aff", "aff"),
        string_block("attackScenarios", b"att", "att"),
        string_block("easeOfAttack", b"ease", "ease"),
        string_block("falsePositives", b"fp", "fp"),
        string_block("falseNegatives", b"fn", "fn"),
        string_block("correctiveAction", b"fix", "fix"),
        string_block("contributors", b"who", "who"),
        string_block("additionalReferences", b"", ""),
    )),
    # §6.2 S2-64 (145, 146, 147).
    *(
        case(rt, block(64, uuid("uuid", f"{rt:08d}-2222-3333-4444-555555555555"),
                       u32("sensorId", rt - 142),
                       string_block("name", f"policy {rt}".encode(), f"policy {rt}")))
        for rt in (145, 146, 147)
    ),
    # §6.2 S2-39.
    case(161, block(39, u32("id", 39), string_block("category", b"CnC Connected", "CnC Connected"),
                    string_block("eventType", b"Malware", "Malware"))),
    # §6.2 S2-19: type before protocol.
    case(260, block(19, u16("type", 8), u16("protocol", 1),
                    string_block("description", b"Echo Request", "Echo Request"))),
    # §6.2 S2-20: code, type, protocol.
    case(270, block(20, u16("code", 4), u16("type", 1), u16("protocol", 58),
                    string_block("description", b"Unreachable", "Unreachable"))),
    # §6.2 S2-22.
    case(280, block(22, u32("id", 8),
                    uuid("accessControlPolicyUuid", "11111111-2222-3333-4444-555555555555"),
                    string_block("name", b"Malware", "Malware"))),
    # §6.2 UUID+STR.
    case(282, [uuid("uuid", "28282828-2828-2828-2828-282828282828"),
               string_block("name", b"Tor_exit_node", "Tor_exit_node")]),
    # Record 301 = block 58 (eNcore 3.8 order).
    case(301, block(58, u32("id", 301), string_block("profileName", b"apple-ios", "apple-ios"),
                    string_block("fullName", b"Apple iOS", "Apple iOS"))),
    # §6.2 S2-61 (320, 321).
    case(320, block(61, u32("id", 28), string_block("name", b"AAAA", "AAAA"),
                    string_block("description", b"IPv6 address", "IPv6 address"))),
    case(321, block(61, u32("id", 3), string_block("name", b"NXDOMAIN", "NXDOMAIN"),
                    string_block("description", b"No such name", "No such name"))),
    # §6.2 S2-40.
    case(511, block(
        40, raw("shaHash", "00112233445566778899aabbccddeeff" "ffeeddccbbaa99887766554433221100"),
        string_block("fileName", "r\u00e9sum\u00e9.pdf".encode(), "r\u00e9sum\u00e9.pdf"),
        u8("disposition", 2), u8("userDefined", 1),
    )),
    # §6.2 S2-28.
    case(520, block(28, u16("countryCode", 840),
                    string_block("country", b"United States", "United States"))),
    # §6.2 HDR+UUID+STR (530, 700): a block header whose type number is undocumented.
    case(530, block(77, uuid("uuid", "53053053-0530-5305-3053-053053053053"),
                    string_block("name", b"File policy", "File policy"))),
    case(700, block(77, uuid("uuid", "61626364-6566-6768-6970-717273747576"),
                    string_block("name", b"Balanced NAP", "Balanced NAP"))),
    # §6.2 UUID+STR.
    case(600, [uuid("uuid", "51525354-5556-5758-5960-616263646566"),
               string_block("name", b"SSL policy", "SSL policy")]),
    # §6.2 SSLRULE: revision uint8[16], id uint32, string block.
    case(601, [raw("revision", "60160160160160160160160160160160"), u32("id", 6),
               string_block("name", b"Decrypt finance", "Decrypt finance")]),
    # §6.2 S2-50.
    case(614, block(
        50,
        raw("fingerprintSha", "0101010101010101010101010101010101010101"),
        raw("publicKeySha", "0202020202020202020202020202020202020202"),
        raw("serialNumber", "0303030303030303030303030303030303030303"),
        u32("serialNumberLength", 16),
        string_block("subjectCn", b"www.example.com", "www.example.com"),
        string_block("subjectOrganization", b"Example Inc", "Example Inc"),
        string_block("subjectOu", b"Web", "Web"),
        string_block("subjectCountry", b"US", "US"),
        string_block("issuerCn", b"Example CA", "Example CA"),
        string_block("issuerOrganization", b"Example Trust", "Example Trust"),
        string_block("issuerOu", b"PKI", "PKI"),
        string_block("issuerCountry", b"GB", "GB"),
        u32("validStartDate", 1577836800), u32("validFinishDate", 1893456000),
    )),
    # §9.2 #7: 132, 282, 600 and 601 with a block header before the uuid are accepted too.
    *(
        case(rt, block(rt, uuid("uuid", "99999999-8888-7777-6666-555555555555"),
                       string_block("name", b"with header", "with header")))
        for rt in (132, 282, 600)
    ),
    case(601, block(601, raw("revision", "0f" * 16), u32("id", 7),
                    string_block("name", b"with header", "with header"))),
]  # fmt: skip
