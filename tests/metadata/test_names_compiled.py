"""The compiled names_for gives exactly what the declarative name table says."""

from __future__ import annotations

from cef_connector.estreamer import decode_record, encode_record_data
from cef_connector.metadata import MetadataCache
from cef_connector.metadata.names import names_for, names_for_reference
from cef_connector.simulator import TrafficGenerator


def _decoded(sim_record):  # type: ignore[no-untyped-def]
    data = encode_record_data(sim_record.record_type, sim_record.fields)
    return decode_record(sim_record.record_type, data, sim_record.archive_timestamp or None)


def test_compiled_names_equal_the_reference_resolution_for_generated_traffic() -> None:
    generator = TrafficGenerator(11, start_time=1_700_000_000)
    cache = MetadataCache()
    for record in generator.metadata_records():
        cache.learn(_decoded(record))
    events = [_decoded(r) for r in generator.events(300)]
    resolved = [names_for(event, cache) for event in events]
    assert resolved == [names_for_reference(event, cache) for event in events]
    # the generator names everything it uses, so the common names always resolve
    assert all("device" in names for names in resolved)
    assert all("protocol" in names for names, event in zip(resolved, events)
               if event.record_type != 2)
    assert any("ruleMessage" in names for names in resolved)


def test_names_are_absent_not_empty_when_metadata_is_missing() -> None:
    generator = TrafficGenerator(11, start_time=1_700_000_000)
    event = _decoded(generator.events(1)[0])
    names = names_for(event, MetadataCache())
    assert names == names_for_reference(event, MetadataCache())
    assert "device" not in names or event.fields["deviceId"] == 0
    assert all(value for value in names.values())
