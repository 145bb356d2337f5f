"""RecordHandler: records to CEF lines, and the bookmark only after a flush."""

from __future__ import annotations

import logging

import pytest

from cef_connector.bookmark import ResumeState
from cef_connector.errors import ConfigError, OutputError, SessionError
from cef_connector.estreamer import (
    BundleEnd,
    Keepalive,
    Record,
    RecordDecodeFailed,
    ServerError,
    UnknownRecord,
)
from cef_connector.mapping import load_mappings
from cef_connector.mapping.samples import samples_for
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters
from cef_connector.pipeline import RecordHandler


class MemoryOutput:
    """An output that records what happens to it, in order."""

    name = "memory"
    DELIVERY = "at-least-once"

    def __init__(self, journal: list[str], fail_flush: bool = False) -> None:
        self.journal = journal
        self.lines: list[str] = []
        self.pending: list[str] = []
        self.fail_flush = fail_flush
        self.paths: list[str] = []

    def write(self, line: str, event_time: int | None) -> None:
        self.pending.append(line)

    def flush(self) -> None:
        if self.fail_flush:
            raise OutputError("disk full: /var/log/cef/x.cef")
        self.lines.extend(self.pending)
        self.pending.clear()
        self.journal.append("flush")


class MemoryBookmarks:
    def __init__(self, journal: list[str]) -> None:
        self.journal = journal
        self.saved: list[int] = []

        self.states: list[ResumeState] = []

    def save_state(self, state: ResumeState) -> None:
        self.states.append(state)
        self.saved.append(state.timestamp)
        self.journal.append(f"bookmark {state.timestamp}")


class Everything:
    def wants(self, record_type: int) -> bool:
        return True


class Nothing:
    def wants(self, record_type: int) -> bool:
        return False


MAPPINGS = load_mappings("default", "7.4.0")


def _event(record_type: int, archive_timestamp: int) -> Record:
    base = samples_for(record_type)[0]
    return Record(record_type=record_type, archive_timestamp=archive_timestamp,
                  fields=dict(base.fields), offset=100, is_metadata=False)


def _handler(journal: list[str], *, fail_flush: bool = False, record_filter: object = None
             ) -> tuple[RecordHandler, MemoryOutput, MemoryBookmarks, Counters]:
    output = MemoryOutput(journal, fail_flush=fail_flush)
    bookmarks = MemoryBookmarks(journal)
    counters = Counters()
    handler = RecordHandler(mappings=MAPPINGS, metadata=MetadataCache(), outputs=[output],
                            record_filter=record_filter or Everything(), bookmarks=bookmarks,
                            counters=counters)
    return handler, output, bookmarks, counters


def _bundle_end() -> BundleEnd:
    return BundleEnd(connection_id=1, sequence_number=1, record_count=2, offset=0)


def test_bookmark_is_saved_only_after_the_bundle_is_flushed() -> None:
    journal: list[str] = []
    handler, output, bookmarks, counters = _handler(journal)
    assert handler.handle(_event(71, 1_600_000_010)).acknowledge is False
    assert handler.handle(_event(400, 1_600_000_020)).acknowledge is False
    assert bookmarks.saved == [] and output.lines == []
    assert handler.handle(_bundle_end()).acknowledge is True
    assert journal == ["flush", "bookmark 1600000020"]
    assert len(output.lines) == 2
    assert output.lines[0].startswith("CEF:0|Cisco|Firepower|7.4.0|RNA:1003:1|")
    assert counters.events_written_total == {71: 1, 400: 1}


def test_bookmark_not_advanced_when_output_flush_fails() -> None:
    journal: list[str] = []
    handler, _output, bookmarks, _counters = _handler(journal, fail_flush=True)
    handler.handle(_event(71, 1_600_000_010))
    with pytest.raises(OutputError, match="disk full"):
        handler.handle(_bundle_end())
    assert bookmarks.saved == []


def test_bookmark_never_moves_backwards() -> None:
    journal: list[str] = []
    handler, _output, bookmarks, _counters = _handler(journal)
    handler.bookmark = 1_600_000_050
    handler.handle(_event(71, 1_600_000_010))
    handler.handle(_bundle_end())
    assert bookmarks.saved == []


def test_metadata_records_are_learned_and_not_written() -> None:
    journal: list[str] = []
    handler, output, _bookmarks, counters = _handler(journal)
    device = Record(record_type=123, archive_timestamp=0, fields={"id": 1, "name": "ftd-1"},
                    offset=0, is_metadata=True)
    handler.handle(device)
    handler.handle(_event(71, 1_600_000_010))
    handler.handle(_bundle_end())
    assert counters.metadata_learned_total == 1
    assert len(output.lines) == 1
    assert "dvchost=ftd-1" in output.lines[0]


def test_unknown_record_type_is_counted_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    journal: list[str] = []
    handler, output, _bookmarks, counters = _handler(journal)
    caplog.set_level(logging.WARNING)
    for offset in (10, 20, 30):
        handler.handle(UnknownRecord(record_type=9999, archive_timestamp=1_600_000_000,
                                     data=b"\x00", offset=offset))
    assert counters.events_dropped_total["unknown_record"] == 3
    assert [r.message for r in caplog.records if "9999" in r.message] == [
        "record type 9999 is not known to this version (first seen at stream offset 10, "
        "1 byte of record data); it is skipped and counted"]
    assert output.pending == []


def test_record_that_fails_to_decode_is_counted_with_its_offset(
        caplog: pytest.LogCaptureFixture) -> None:
    journal: list[str] = []
    handler, _output, _bookmarks, counters = _handler(journal)
    caplog.set_level(logging.ERROR)
    handler.handle(RecordDecodeFailed(record_type=71, offset=4242, reason="block too short"))
    assert counters.events_dropped_total["decode_failed"] == 1
    assert "record type 71 at stream offset 4242: block too short" in caplog.text


def test_filtered_record_types_are_counted_but_still_bookmarked() -> None:
    journal: list[str] = []
    handler, output, bookmarks, counters = _handler(journal, record_filter=Nothing())
    handler.handle(_event(71, 1_600_000_010))
    handler.handle(_bundle_end())
    assert output.lines == []
    assert counters.events_dropped_total["filtered"] == 1
    assert bookmarks.saved == [1_600_000_010]


def test_server_error_message_becomes_a_session_error_naming_the_code() -> None:
    handler, _output, _bookmarks, _counters = _handler([])
    with pytest.raises(SessionError, match="the FMC sent error 19: 'No space'") as info:
        handler.handle(ServerError(code=19, text="No space", offset=0))
    assert info.value.kind == "server_error"


def test_keepalives_are_counted() -> None:
    handler, _output, _bookmarks, counters = _handler([])
    handler.handle(Keepalive(offset=0))
    handler.handle(Keepalive(offset=8))
    assert counters.keepalives_received_total == 2


# --- bundles that share one flush (settle_bundles) -------------------------------------------

def _settling_handler(journal: list[str], settle_bundles: int, fail_flush: bool = False
                      ) -> tuple[RecordHandler, MemoryOutput, MemoryBookmarks]:
    output = MemoryOutput(journal, fail_flush=fail_flush)
    bookmarks = MemoryBookmarks(journal)
    handler = RecordHandler(mappings=MAPPINGS, metadata=MetadataCache(), outputs=[output],
                            record_filter=Everything(), bookmarks=bookmarks, counters=Counters(),
                            settle_bundles=settle_bundles)
    return handler, output, bookmarks


def test_bundles_read_back_to_back_share_one_flush_and_are_acknowledged_together() -> None:
    journal: list[str] = []
    handler, output, bookmarks = _settling_handler(journal, settle_bundles=8)
    for second in (10, 20, 30):
        handler.handle(_event(71, 1_600_000_000 + second))
        result = handler.handle(_bundle_end())
        assert (result.acknowledge, journal, output.lines) == (False, [], [])
    assert handler.settle() == 3
    assert journal == ["flush", "bookmark 1600000030"]
    assert len(output.lines) == 3
    assert handler.settle() == 0  # nothing left: no second flush, nothing to acknowledge
    assert journal == ["flush", "bookmark 1600000030"]


def test_the_bundle_that_reaches_the_limit_settles_every_waiting_bundle() -> None:
    journal: list[str] = []
    handler, _output, bookmarks = _settling_handler(journal, settle_bundles=2)
    handler.handle(_event(71, 1_600_000_010))
    assert handler.handle(_bundle_end()).acknowledge is False
    handler.handle(_event(71, 1_600_000_020))
    result = handler.handle(_bundle_end())
    assert (result.acknowledge, result.bundles) == (True, 2)
    assert bookmarks.saved == [1_600_000_020]


def test_a_failed_shared_flush_keeps_the_count_until_the_outputs_recover() -> None:
    journal: list[str] = []
    handler, output, bookmarks = _settling_handler(journal, settle_bundles=8, fail_flush=True)
    for second in (10, 20):
        handler.handle(_event(71, 1_600_000_000 + second))
        handler.handle(_bundle_end())
    with pytest.raises(OutputError, match="disk full"):
        handler.settle()
    assert bookmarks.saved == []
    output.fail_flush = False
    handler.finish()  # what the runner retries until the disk has room again
    assert bookmarks.saved == [1_600_000_020]
    assert handler.settle() == 2  # both bundles are durable now: acknowledge them


def test_a_new_session_forgets_bundles_of_the_old_connection() -> None:
    journal: list[str] = []
    handler, _output, _bookmarks = _settling_handler(journal, settle_bundles=8)
    handler.handle(_event(71, 1_600_000_010))
    handler.handle(_bundle_end())
    handler.finish()
    handler.start_session()
    assert handler.settle() == 0


def test_settle_bundles_below_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="settle_bundles must be at least 1, not 0"):
        _settling_handler([], settle_bundles=0)
