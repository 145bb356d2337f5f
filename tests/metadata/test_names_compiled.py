"""The compiled names_for gives exactly what the declarative name table says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.estreamer import Record, decode_record, encode_record_data
from cef_connector.metadata import MetadataCache
from cef_connector.metadata.names import names_for, names_for_reference
from cef_connector.simulator import TrafficGenerator

from .name_fixtures import EVENTS, METADATA


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


# --- property: compiled == reference for any metadata subset and any damaged event -------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-1, max_value=5),
    st.sampled_from([676, 9, 3, 12, 2048, "", "A" * 32, "a1" * 20]),
    st.text(max_size=4),
    st.lists(st.fixed_dictionaries({"applicationId": st.sampled_from([676, 929, 1])}), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    learned=st.sets(st.integers(min_value=0, max_value=len(METADATA) - 1)),
    record_type=st.sampled_from(sorted(EVENTS)),
    data=st.data(),
)
def test_compiled_names_equal_the_reference_for_any_metadata_and_any_field_values(
    learned: set[int], record_type: int, data: st.DataObject
) -> None:
    cache = MetadataCache()
    for index in sorted(learned):
        record_type_m, fields_m = METADATA[index]
        cache.learn(Record(record_type_m, None, fields_m, 0, True))
    fields = dict(EVENTS[record_type])
    for name in data.draw(st.sets(st.sampled_from(sorted(fields)), max_size=6)):
        if data.draw(st.booleans()):
            del fields[name]
        else:
            fields[name] = data.draw(_VALUES)
    record = Record(record_type, 1, fields, 0, False)

    compiled = names_for(record, cache)

    assert compiled == names_for_reference(record, cache)
    assert all(isinstance(value, str) and value for value in compiled.values())
