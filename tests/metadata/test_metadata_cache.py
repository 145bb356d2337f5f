"""Behaviour of MetadataCache: keys as protocol doc §6.1 says, bounds, JSON snapshots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from cef_connector.metadata import TABLE_SPECS, MetadataCache, MetadataSnapshotError


@dataclass(frozen=True)
class Rec:
    """Duck-typed stand-in for cef_connector.estreamer.Record."""

    record_type: int
    fields: dict[str, Any] = field(default_factory=dict)
    archive_timestamp: int | None = None
    offset: int = 0
    is_metadata: bool = True


POLICY = "00112233-4455-6677-8899-aabbccddeeff"
REVISION = "aabbccdd-0000-1111-2222-333344445555"
ZONE = "0011aabb-ccdd-eeff-0011-223344556677"


def learned(*records: Rec, bound: int = 200_000) -> MetadataCache:
    cache = MetadataCache(bound)
    for record in records:
        assert cache.learn(record) is True, record
    return cache


def test_device_is_keyed_by_its_id() -> None:
    cache = learned(Rec(123, {"id": 1, "nameLength": 5, "name": "ftd-1"}))

    assert cache.lookup(123, 1) == "ftd-1"
    assert cache.lookup(123, 2) is None


def test_security_zone_is_keyed_by_uuid() -> None:
    cache = learned(Rec(115, {"blockType": 14, "uuid": ZONE, "name": "inside"}))

    assert cache.lookup(115, ZONE) == "inside"


def test_access_control_policy_145_is_keyed_by_sensor_id_and_uuid() -> None:
    cache = learned(Rec(145, {"blockType": 64, "uuid": POLICY, "sensorId": 3, "name": "Corp AC"}))

    assert cache.lookup(145, (3, POLICY)) == "Corp AC"
    assert cache.lookup(145, (POLICY, 3)) is None
    assert cache.lookup(145, (4, POLICY)) is None
    assert cache.lookup(145, POLICY) is None


def test_access_control_rule_119_is_keyed_by_revision_uuid_and_rule_id() -> None:
    cache = learned(
        Rec(119, {"blockType": 15, "revisionUuid": REVISION, "ruleId": 268435461, "name": "Allow web"})
    )

    assert cache.lookup(119, (REVISION, 268435461)) == "Allow web"
    assert cache.lookup(119, (268435461, REVISION)) is None
    assert cache.lookup(119, (REVISION, 1)) is None


def test_rule_message_66_is_keyed_by_generator_and_rule_and_keeps_the_signature_id() -> None:
    cache = learned(
        Rec(
            66,
            {
                "generatorId": 1,
                "ruleId": 2000419,
                "ruleRevision": 7,
                "signatureId": 2000419,
                "ruleUuid": POLICY,
                "ruleRevisionUuid": REVISION,
                "message": "ET POLICY PE EXE Download",
            },
        )
    )

    assert cache.lookup(66, (1, 2000419)) == "ET POLICY PE EXE Download"
    assert cache.lookup_field(66, (1, 2000419), "signatureId") == 2000419
    assert cache.lookup(66, (3, 2000419)) is None


def test_classification_keeps_name_and_description() -> None:
    cache = learned(
        Rec(
            67,
            {
                "id": 3,
                "name": "trojan-activity",
                "description": "A Network Trojan was Detected",
                "uuid": POLICY,
                "revisionUuid": REVISION,
            },
        )
    )

    assert cache.lookup(67, 3) == "trojan-activity"
    assert cache.lookup_field(67, 3, "description") == "A Network Trojan was Detected"
    assert cache.lookup_field(67, 3, "uuid") is None  # not a stored field


@pytest.mark.parametrize(
    ("record", "key", "name"),
    [
        (Rec(4, {"id": 1, "name": "high"}), 1, "high"),
        (Rec(62, {"id": 7, "name": "admin"}), 7, "admin"),
        (Rec(98, {"blockType": 57, "id": 9, "protocol": 710, "name": "alice"}), 9, "alice"),
        (Rec(117, {"blockType": 14, "uuid": POLICY, "name": "Old AC"}), POLICY, "Old AC"),
        (Rec(118, {"blockType": 14, "uuid": POLICY, "name": "Balanced"}), POLICY, "Balanced"),
        (Rec(700, {"blockType": 5, "uuid": POLICY, "name": "NAP"}), POLICY, "NAP"),
        (Rec(124, {"blockType": 59, "id": 1, "description": "IP Block"}), 1, "IP Block"),
        (Rec(520, {"blockType": 28, "countryCode": 840, "country": "USA"}), 840, "USA"),
        (
            Rec(280, {"blockType": 22, "id": 5, "accessControlPolicyUuid": POLICY, "name": "Malware"}),
            (5, POLICY),
            "Malware",
        ),
        (Rec(260, {"type": 8, "protocol": 1, "description": "Echo Request"}), (1, 8), "Echo Request"),
        (
            Rec(270, {"code": 3, "type": 3, "protocol": 1, "description": "Port Unreachable"}),
            (1, 3, 3),
            "Port Unreachable",
        ),
        # 601 sends its revision as a raw uint8[16]: stored under the UUID text events carry
        (
            Rec(601, {"revision": REVISION.replace("-", "").upper(), "id": 4, "name": "Decrypt"}),
            (REVISION, 4),
            "Decrypt",
        ),
        (Rec(161, {"id": 2, "category": "Malware", "eventType": "Detected"}), 2, "Malware"),
        (Rec(57, {"id": 3421, "title": "Apache overflow"}), 3421, "Apache overflow"),
        (Rec(106, {"id": 900, "scannerType": 1, "title": "QID 900"}), 900, "QID 900"),
        (
            Rec(140, {"signatureId": 2000419, "generatorId": 1, "summary": "PE download"}),
            (2000419, 1),
            "PE download",
        ),
        (Rec(54, {"uuid": ZONE, "name": "Windows", "vendor": "Microsoft", "version": "10"}), ZONE, "Windows"),
        (Rec(301, {"id": 77, "profileName": "Windows PC", "fullName": "W"}), 77, "Windows PC"),
        (Rec(511, {"shaHash": "AB" * 32, "fileName": "x.exe", "disposition": 1}), "ab" * 32, "x.exe"),
        (Rec(614, {"fingerprintSha": "c1" * 20, "subjectCn": "a.example", "issuerCn": "CA"}), "c1" * 20, "a.example"),
        (Rec(350, {"id": 0, "name": "Global"}), 0, "Global"),
        (Rec(146, {"uuid": POLICY, "sensorId": 3, "name": "Prefilter"}), (3, POLICY), "Prefilter"),
    ],
)
def test_tables_are_keyed_as_the_protocol_doc_says(record: Rec, key: object, name: str) -> None:
    assert learned(record).lookup(record.record_type, key) == name


def test_event_records_and_unknown_metadata_are_not_learned() -> None:
    cache = MetadataCache()

    assert cache.learn(Rec(400, {"deviceId": 1}, is_metadata=False)) is False
    assert cache.learn(Rec(9999, {"id": 1, "name": "unknown type"})) is False
    assert len(cache) == 0


def test_metadata_without_its_key_or_name_is_not_learned() -> None:
    cache = MetadataCache()

    assert cache.learn(Rec(123, {"name": "no id"})) is False
    assert cache.learn(Rec(145, {"uuid": POLICY, "name": "no sensor"})) is False
    assert cache.learn(Rec(123, {"id": 1})) is False
    assert cache.learn(Rec(123, {"id": True, "name": "bool id"})) is False
    assert len(cache) == 0


def test_relearning_a_key_replaces_its_name() -> None:
    cache = learned(Rec(123, {"id": 1, "name": "old"}), Rec(123, {"id": 1, "name": "new"}))

    assert cache.lookup(123, 1) == "new"
    assert cache.table_size(123) == 1


def test_tables_are_bounded_and_evict_the_least_recently_used() -> None:
    cache = learned(*(Rec(123, {"id": i, "name": f"d{i}"}) for i in range(3)), bound=3)
    assert cache.lookup(123, 0) == "d0"  # 0 is now the most recently used

    cache.learn(Rec(123, {"id": 3, "name": "d3"}))

    assert [cache.lookup(123, i) for i in range(4)] == ["d0", None, "d2", "d3"]
    assert cache.table_size(123) == 3
    assert cache.evictions == 1


def test_bound_applies_per_table() -> None:
    cache = learned(
        Rec(123, {"id": 1, "name": "a"}),
        Rec(123, {"id": 2, "name": "b"}),
        Rec(4, {"id": 1, "name": "high"}),
        Rec(4, {"id": 2, "name": "medium"}),
        bound=2,
    )

    assert (len(cache), cache.evictions) == (4, 0)


def sample_cache() -> MetadataCache:
    return learned(
        Rec(123, {"id": 0, "name": "FMC"}),
        Rec(123, {"id": 3, "name": "ftd-1"}),
        Rec(145, {"uuid": POLICY, "sensorId": 3, "name": "Corp AC"}),
        Rec(66, {"generatorId": 1, "ruleId": 2, "ruleRevision": 1, "signatureId": 2, "message": "m"}),
        Rec(67, {"id": 3, "name": "trojan-activity", "description": ""}),
    )


def test_snapshot_is_deterministic_json_naming_each_tables_fields() -> None:
    assert sample_cache().to_json() == {
        "format": "cef-connector metadata cache",
        "version": 2,
        "tables": {
            "66": {
                "key": ["generatorId", "ruleId"],
                "values": ["message", "signatureId", "ruleRevision"],
                "entries": [[[1, 2], ["m", 2, 1]]],
            },
            "67": {
                "key": ["id"],
                "values": ["name", "description"],
                "entries": [[3, ["trojan-activity", ""]]],
            },
            "123": {"key": ["id"], "values": ["name"], "entries": [[0, ["FMC"]], [3, ["ftd-1"]]]},
            "145": {
                "key": ["sensorId", "uuid"],
                "values": ["name"],
                "entries": [[[3, POLICY], ["Corp AC"]]],
            },
        },
    }


def test_snapshot_round_trips_through_json_text() -> None:
    original = sample_cache()
    text = json.dumps(original.to_json())

    restored = MetadataCache.from_json(json.loads(text))

    assert restored.to_json() == original.to_json()
    assert restored.lookup(145, (3, POLICY)) == "Corp AC"
    assert restored.lookup_field(66, (1, 2), "signatureId") == 2


def test_restoring_a_larger_snapshot_keeps_the_most_recent_entries() -> None:
    restored = MetadataCache.from_json(sample_cache().to_json(), max_entries_per_table=1)

    assert (restored.lookup(123, 0), restored.lookup(123, 3)) == (None, "ftd-1")


def test_snapshot_tables_of_unknown_record_types_are_skipped() -> None:
    data = sample_cache().to_json()
    data["tables"]["99999"] = {"key": ["id"], "values": ["name"], "entries": [[1, ["x"]]]}

    assert len(MetadataCache.from_json(data)) == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="pickle"), "not a cef-connector metadata snapshot"),
        (lambda d: d.update(version=3), "snapshot version 3 is not 1 or 2"),
        (lambda d: d.update(version=True), "snapshot version True is not 1 or 2"),
        (lambda d: d.update(tables=[]), "snapshot has no 'tables' object"),
        (lambda d: d["tables"].update({"x": []}), "table name 'x' is not a record type"),
        (lambda d: d["tables"].update({"123": []}), "table 123 is not an object"),
        (lambda d: d["tables"]["123"].pop("key"), "table 123 does not name its 'key' and 'values'"),
        (lambda d: d["tables"]["123"].update(entries={}), "table 123 has no 'entries' list"),
        (lambda d: d["tables"]["123"].update(entries=[[1]]), r"table 123 entry 0 is not \[key, values\]"),
        (lambda d: d["tables"]["123"].update(entries=[[[1], ["a"]]]), "table 123 entry 0: key"),
        (
            lambda d: d["tables"]["145"].update(entries=[[1, ["a"]]]),
            "table 145 entry 0: key 1 is not a list of 2 parts",
        ),
        (lambda d: d["tables"]["123"].update(entries=[[1, ["a", "b"]]]), "table 123 entry 0: values"),
    ],
)
def test_malformed_snapshot_raises_snapshot_error(change: Any, message: str) -> None:
    data = sample_cache().to_json()
    change(data)

    with pytest.raises(MetadataSnapshotError, match=message):
        MetadataCache.from_json(data)


def test_every_table_spec_names_key_and_value_fields() -> None:
    for record_type, spec in TABLE_SPECS.items():
        assert spec.record_type == record_type
        assert spec.key_fields and spec.value_fields


def version_1(cache: MetadataCache) -> dict[str, Any]:
    """The snapshot as version 1 wrote it: tables as bare entry lists."""
    data = cache.to_json()
    return {
        "format": data["format"],
        "version": 1,
        "tables": {name: table["entries"] for name, table in data["tables"].items()},
    }


def test_version_1_snapshots_are_still_read() -> None:
    restored = MetadataCache.from_json(version_1(sample_cache()))

    assert restored.to_json() == sample_cache().to_json()


def test_version_1_tables_keyed_differently_since_are_dropped_not_misread() -> None:
    data = version_1(sample_cache())
    data["tables"]["270"] = [[3, ["Port Unreachable"]]]  # version 1 keyed 270 by code alone
    data["tables"]["601"] = [[["aabbccdd000011112222333344445555", 4], ["Decrypt"]]]

    restored = MetadataCache.from_json(data)

    assert (restored.table_size(270), restored.table_size(601), len(restored)) == (0, 0, 5)


def test_malformed_version_1_table_still_raises() -> None:
    data = version_1(sample_cache())
    data["tables"]["123"] = [[[1], ["a"]]]

    with pytest.raises(MetadataSnapshotError, match="table 123 entry 0: key"):
        MetadataCache.from_json(data)


def test_table_saved_under_another_spec_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    data = sample_cache().to_json()
    data["tables"]["123"]["values"] = ["name", "extra"]
    data["tables"]["123"]["entries"] = [[3, ["ftd-1", "x"]]]

    with caplog.at_level("INFO", logger="cef_connector.metadata.cache"):
        restored = MetadataCache.from_json(data)

    assert (restored.table_size(123), len(restored)) == (0, 3)
    assert "table 123 was saved keyed by ['id'] with values ['name', 'extra']" in caplog.text
