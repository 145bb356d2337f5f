"""RecordHandler with CEF, JSON and Splunk outputs together; unknown records.

Records come from ``mapping.samples``; outputs are in-memory doubles that journal their
flushes (as in test_pipeline.py) and can report a position and read lines back (as in
test_pipeline_dedupe.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import pytest

from cef_connector.bookmark import OutputPosition, ResumeState
from cef_connector.config import RecordFilter
from cef_connector.errors import ConfigError
from cef_connector.estreamer import BundleEnd, Record, UnknownRecord
from cef_connector.mapping import MappingTable, load_mappings
from cef_connector.mapping.samples import samples_for
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters
from cef_connector.pipeline import RecordHandler, line_digest

MAPPINGS = load_mappings("default", "7.4.0")
NO_MAPPINGS = MappingTable([], device_vendor="Cisco", device_product="Firepower",
                           device_version="7.4.0", mapping_set="empty")
T = 1_600_000_100
END = BundleEnd(connection_id=1, sequence_number=1, record_count=1, offset=0)


class Output:
    """Keeps flushed lines, journals flushes, can say where it stands and read back."""

    def __init__(self, name: str, journal: list[str] | None = None,
                 held_after: Sequence[str] = ()) -> None:
        self.name = name
        self.journal = journal if journal is not None else []
        self.lines: list[str] = []
        self.pending: list[str] = []
        self.held_after = list(held_after)
        self.paths: list[str] = []

    def write(self, line: str, event_time: int | None) -> None:
        self.pending.append(line)

    def flush(self) -> None:
        self.lines.extend(self.pending)
        self.pending.clear()
        self.journal.append(f"flush {self.name}")

    def position(self) -> OutputPosition:
        return OutputPosition(f"/out/{self.name}", len(self.lines))

    def recover(self, position: OutputPosition) -> list[bytes]:
        return [line.encode("utf-8") for line in self.held_after]


class Bookmarks:
    def __init__(self, journal: list[str] | None = None) -> None:
        self.journal = journal if journal is not None else []
        self.states: list[ResumeState] = []

    def save_state(self, state: ResumeState) -> None:
        self.states.append(state)
        self.journal.append(f"bookmark {state.timestamp}")


def event(record_type: int, archive_timestamp: int | None = T, **changes: Any) -> Record:
    fields: dict[str, Any] = dict(samples_for(record_type)[0].fields)
    fields.update(changes)
    return Record(record_type=record_type, archive_timestamp=archive_timestamp, fields=fields,
                  offset=64, is_metadata=False)


def device(name: str = "ftd-1") -> Record:
    return Record(record_type=123, archive_timestamp=None,
                  fields={"id": 1, "nameLength": len(name), "name": name}, offset=32,
                  is_metadata=True)


def make(adapters: Sequence[str], *, mappings: Any = MAPPINGS, record_filter: Any = None,
         journal: list[str] | None = None, outputs: Sequence[Output] = (), **options: Any
         ) -> tuple[RecordHandler, list[Output], Bookmarks, Counters]:
    chosen = list(outputs) or [Output(f"{adapter}{index}", journal)
                               for index, adapter in enumerate(adapters)]
    bookmarks = Bookmarks(journal)
    counters = Counters()
    handler = RecordHandler(mappings=mappings, metadata=MetadataCache(), outputs=chosen,
                            record_filter=record_filter or RecordFilter(),
                            bookmarks=bookmarks, counters=counters, adapters=list(adapters),
                            **options)
    return handler, chosen, bookmarks, counters


def feed(handler: RecordHandler, events: Sequence[object]) -> None:
    for item in events:
        handler.handle(item)
    handler.handle(END)


def test_cef_and_json_outputs_each_get_their_own_line_and_the_bookmark_follows_the_flush(
) -> None:
    journal: list[str] = []
    handler, (cef, js), _bookmarks, counters = make(["cef", "json"], journal=journal)

    feed(handler, [event(71, T - 1), event(400, T)])

    assert journal == ["flush cef0", "flush json1", f"bookmark {T}"]
    cef_only, (alone,), _b, _c = make(["cef"])
    feed(cef_only, [event(71, T - 1), event(400, T)])
    assert cef.lines == alone.lines and len(cef.lines) == 2
    documents = [json.loads(line) for line in js.lines]
    assert [(d["recordType"], d["archiveTimestamp"], d["eventSecond"]) for d in documents] == [
        (71, T - 1, 1590497212), (400, T, 1590497300)]
    assert counters.events_written_total == {71: 1, 400: 1}


def test_outputs_sharing_an_adapter_get_the_same_line() -> None:
    handler, outputs, _bookmarks, _counters = make(["splunk", "cef", "splunk"])

    feed(handler, [event(71)])

    assert outputs[0].lines == outputs[2].lines
    assert outputs[0].lines[0].startswith("rec_type=71 event_sec=1590497212 app_proto=676 ")
    assert outputs[1].lines[0].startswith("CEF:0|")


def test_names_learned_from_metadata_in_the_stream_reach_every_format() -> None:
    handler, (cef, js, splunk), _bookmarks, _counters = make(["cef", "json", "splunk"])

    feed(handler, [device("ftd-edge-01"), event(71)])

    assert "dvchost=ftd-edge-01" in cef.lines[0]
    assert json.loads(js.lines[1])["@computed"]["sensor"] == "ftd-edge-01"
    assert splunk.lines[1].endswith(
        ' rec_type_simple=RNA rec_type_category=RNA rec_type_desc="Connection Statistics" '
        'sensor=ftd-edge-01 sec_intel_event=No event_desc="Flow Statistics"')
    assert " ip_proto=TCP " in splunk.lines[1]


def test_metadata_records_go_to_json_and_splunk_outputs_only_without_unmapped_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, (cef, js, splunk), _bookmarks, counters = make(["cef", "json", "splunk"])

    feed(handler, [device()])

    assert cef.lines == []
    assert js.lines == [
        '{"recordType":123,"archiveTimestamp":null,"id":1,"nameLength":5,"name":"ftd-1",'
        '"@computed":{"recordTypeCategory":"SENSOR",'
        '"recordTypeDescription":"Managed Device Metadata"}}']
    assert splunk.lines == [
        'rec_type=123 id=1 name=ftd-1 rec_type_simple=SENSOR rec_type_category=SENSOR '
        'rec_type_desc="Managed Device Metadata"']
    assert counters.metadata_learned_total == 1
    assert counters.events_written_total == {123: 1}
    assert counters.events_dropped_total == {}
    assert caplog.records == []


def test_metadata_records_are_not_written_when_handler_records_metadata_is_off() -> None:
    handler, (js,), _bookmarks, counters = make(
        ["json"], record_filter=RecordFilter(metadata=False))

    feed(handler, [device(), event(71)])

    assert [json.loads(line)["recordType"] for line in js.lines] == [71]
    assert json.loads(js.lines[0])["@computed"]["sensor"] == "ftd-1"
    assert counters.metadata_learned_total == 1
    assert counters.events_dropped_total == {}


def test_metadata_records_leave_cef_only_outputs_alone() -> None:
    handler, (cef,), _bookmarks, counters = make(["cef"])

    feed(handler, [device(), event(71)])

    assert len(cef.lines) == 1
    assert counters.events_written_total == {71: 1}
    assert counters.events_dropped_total == {}


def test_record_without_cef_mapping_still_goes_to_json_and_is_counted_unmapped(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, (cef, js), _bookmarks, counters = make(["cef", "json"], mappings=NO_MAPPINGS)

    feed(handler, [event(71, T), event(71, T, connectionCounter=7)])

    assert cef.lines == []
    assert [json.loads(line)["connectionCounter"] for line in js.lines] == [50850, 7]
    assert counters.events_written_total == {71: 2}
    assert counters.events_dropped_total == {"unmapped": 2}
    assert [r.message for r in caplog.records] == [
        "record type 71 has no mapping in the configured mapping set; its records are counted "
        "as unmapped and not written to the cef outputs"]


def test_unknown_type_and_unknown_version_in_a_bundle_are_skipped_and_the_rest_written(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, (cef, js), bookmarks, counters = make(["cef", "json"])

    feed(handler, [
        event(71, T - 2),
        UnknownRecord(record_type=9999, archive_timestamp=T - 1, data=b"\x01\x02", offset=100),
        event(400, T - 1),
        UnknownRecord(record_type=71, archive_timestamp=T, data=bytes(40), offset=200,
                      version=170),
        UnknownRecord(record_type=9999, archive_timestamp=T, data=b"\x03", offset=300),
        event(71, T, connectionCounter=8),
    ])

    assert [json.loads(line)["recordType"] for line in js.lines] == [71, 400, 71]
    assert len(cef.lines) == 3
    assert handler.unknown_record_counts == {(9999, None): 2, (71, 170): 1}
    assert counters.events_dropped_total == {"unknown_record": 3}
    assert counters.records_received_total == {71: 3, 400: 1, 9999: 2}
    assert counters.events_written_total == {71: 2, 400: 1}
    assert bookmarks.states[-1].timestamp == T
    assert [r.message for r in caplog.records] == [
        "record type 9999 is not known to this version (first seen at stream offset 100, "
        "2 bytes of record data); it is skipped and counted",
        "record type 71 came with block type 170, which this version cannot decode (first "
        "seen at stream offset 200, 40 bytes of record data); it is skipped and counted",
    ]


def test_raw_mode_writes_unknown_records_in_each_output_format(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, (cef, js, splunk), bookmarks, counters = make(
        ["cef", "json", "splunk"], unknown_records="raw")

    feed(handler, [UnknownRecord(record_type=9999, archive_timestamp=T, data=b"\xca\xfe",
                                 offset=4096),
                   UnknownRecord(record_type=71, archive_timestamp=None, data=b"\x00",
                                 offset=8192, version=170)])

    assert cef.lines == [
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:9999|Unknown eStreamer record type "
        f"9999|5|rt={T}000 cn1=2 cn1Label=Record Length cn3=4096 cn3Label=Stream Offset "
        "cs1=cafe cs1Label=Record Data Hex",
        "CEF:0|Cisco|Firepower|7.4.0|eStreamer:UNKNOWN:71|Unsupported block 170 in eStreamer "
        "record type 71|5|cn1=1 cn1Label=Record Length cn2=170 cn2Label=Block Type cn3=8192 "
        "cn3Label=Stream Offset cs1=00 cs1Label=Record Data Hex",
    ]
    assert js.lines == [
        f'{{"recordType":9999,"version":null,"length":2,"archiveTimestamp":{T},'
        '"offset":4096,"data":"cafe"}',
        '{"recordType":71,"version":170,"length":1,"archiveTimestamp":null,"offset":8192,'
        '"data":"00"}',
    ]
    assert splunk.lines == [f"rec_type=9999 event_sec={T} length=2 offset=4096 data=cafe",
                            "rec_type=71 version=170 length=1 offset=8192 data=00"]
    assert counters.events_written_total == {9999: 1, 71: 1}
    assert counters.events_dropped_total == {}
    assert handler.unknown_record_counts == {(9999, None): 1, (71, 170): 1}
    assert bookmarks.states[-1].timestamp == T
    assert caplog.records[0].message.endswith("; it is written as raw hex and counted")


def test_raw_mode_follows_handler_records_for_known_types_and_exclude() -> None:
    handler, (js,), _bookmarks, counters = make(
        ["json"], unknown_records="raw",
        record_filter=RecordFilter(connections=False, exclude=frozenset({9999})))

    feed(handler, [UnknownRecord(record_type=9999, archive_timestamp=T, data=b"", offset=0),
                   UnknownRecord(record_type=71, archive_timestamp=T, data=b"", offset=0,
                                 version=170),
                   UnknownRecord(record_type=8888, archive_timestamp=T, data=b"", offset=0)])

    assert [json.loads(line)["recordType"] for line in js.lines] == [8888]
    assert counters.events_dropped_total == {"filtered": 2}


def test_raw_cef_lines_over_the_limit_are_counted_and_logged_once(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, (cef,), _bookmarks, _counters = make(["cef"], unknown_records="raw")

    feed(handler, [UnknownRecord(record_type=9999, archive_timestamp=T, data=bytes(3000),
                                 offset=offset) for offset in (0, 10)])

    assert handler.raw_truncated_total == 2
    assert all(line.endswith(" cs2=first 2000 of 3000 bytes cs2Label=Record Data Truncated")
               for line in cef.lines)
    assert [r.message for r in caplog.records if "CEF lines carry" in r.message] == [
        "record type 9999 at stream offset 0 has 3000 bytes; CEF lines carry the first 2000 "
        "in hex (cs1) and say so in cs2; json and splunk lines carry all of them"]


def test_identity_is_the_line_of_the_first_output_that_gets_one() -> None:
    handler, (cef, js), bookmarks, _counters = make(["cef", "json"])
    feed(handler, [event(400, T)])
    assert bookmarks.states[-1].identities == (line_digest(cef.lines[0].encode()),)

    handler, (cef, js), bookmarks, _counters = make(["cef", "json"], mappings=NO_MAPPINGS)
    feed(handler, [event(400, T)])
    assert cef.lines == []
    assert bookmarks.states[-1].identities == (line_digest(js.lines[0].encode()),)


def test_resent_records_are_skipped_in_every_output_after_a_restart() -> None:
    records = [event(71, T, connectionCounter=1), event(71, T, connectionCounter=2)]
    first, (cef, js), bookmarks, _counters = make(["cef", "json"])
    feed(first, records)
    state = bookmarks.states[-1]

    second, (cef2, js2), _bookmarks2, counters = make(["cef", "json"])
    second.resume(state)
    second.start_session()
    feed(second, [*records, event(71, T, connectionCounter=3)])

    assert [json.loads(line)["connectionCounter"] for line in js2.lines] == [3]
    assert len(cef2.lines) == 1 and "externalId=3" in cef2.lines[0]
    assert counters.events_dropped_total == {"duplicate": 2}


def test_line_held_by_the_json_output_only_is_skipped_there_and_written_to_cef() -> None:
    record = event(400, T)
    probe, (_cef, probe_js), _b, _c = make(["cef", "json"])
    feed(probe, [record])
    held = probe_js.lines[0]
    cef = Output("cef")
    js = Output("json", held_after=[held])
    handler, _outputs, _bookmarks, counters = make(["cef", "json"], outputs=[cef, js])

    handler.resume(ResumeState(T, (), True, {"json": OutputPosition("/out/json", 0)}))
    handler.start_session()
    feed(handler, [record])

    assert len(cef.lines) == 1 and cef.lines[0].startswith("CEF:0|")
    assert js.lines == []
    assert counters.events_written_total == {400: 1}


def test_without_dedupe_every_output_still_gets_its_adapter_line() -> None:
    handler, (splunk, js), _bookmarks, counters = make(["splunk", "json"], dedupe=False)

    feed(handler, [event(2, T)])

    assert splunk.lines[0].startswith("rec_type=2 event_sec=1590497300 device_id=1 ")
    assert json.loads(js.lines[0])["packetData"].startswith("005056a1b2c3")
    assert counters.events_written_total == {2: 1}


@pytest.mark.parametrize(
    ("adapters", "options", "message"),
    [
        (["cef"], {}, "1 adapters were given for 2 outputs; give one adapter per output, "
                      "in the same order"),
        (["cef", "xml"], {}, "unknown adapter 'xml'; use 'cef', 'json' or 'splunk'"),
        (["cef", "json"], {"unknown_records": "drop"},
         "handler.unknownRecords: got 'drop'; expected one of 'skip', 'raw'"),
    ],
)
def test_bad_adapter_wiring_is_refused_with_a_message(
        adapters: list[str], options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make(adapters, outputs=[Output("a"), Output("b")], **options)
    assert str(caught.value) == message
