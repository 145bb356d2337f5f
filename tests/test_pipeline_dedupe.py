"""RecordHandler across a resume: no gap and no duplicate at the bookmark's second.

Records are built in memory (``mapping.samples``), outputs are in-memory doubles that
can say where they stand (``position``) and read back what they hold beyond a position
(``recover``), as the file output does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from cef_connector.bookmark import OutputPosition, ResumeState
from cef_connector.errors import MappingError
from cef_connector.estreamer import BundleEnd, Record
from cef_connector.mapping import load_mappings
from cef_connector.mapping.samples import samples_for
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters
from cef_connector.pipeline import RecordHandler, line_digest

MAPPINGS = load_mappings("default", "7.4.0")
T = 1_600_000_100


class Everything:
    def wants(self, record_type: int) -> bool:
        return True


class Output:
    """Keeps flushed lines; can report a position and read back lines after one."""

    def __init__(self, name: str, held_after: Sequence[str] = ()) -> None:
        self.name = name
        self.lines: list[str] = []
        self.pending: list[str] = []
        self.held_after = list(held_after)
        self.paths: list[str] = []

    def write(self, line: str, event_time: int | None) -> None:
        self.pending.append(line)

    def flush(self) -> None:
        self.lines.extend(self.pending)
        self.pending.clear()

    def position(self) -> OutputPosition:
        return OutputPosition(f"/out/{self.name}.cef", len(self.lines))

    def recover(self, position: OutputPosition) -> list[bytes]:
        return [line.encode("utf-8") for line in self.held_after]


class Bookmarks:
    def __init__(self) -> None:
        self.states: list[ResumeState] = []

    def save_state(self, state: ResumeState) -> None:
        self.states.append(state)


def event(archive_timestamp: int, event_id: int, record_type: int = 400) -> Record:
    fields: dict[str, Any] = dict(samples_for(record_type)[0].fields)
    fields["eventId"] = event_id
    return Record(record_type=record_type, archive_timestamp=archive_timestamp, fields=fields,
                  offset=0, is_metadata=False)


def line_of(record: Record) -> str:
    handler, outputs, _bookmarks = make()
    handler.handle(record)
    handler.handle(END)
    return outputs[0].lines[0]


END = BundleEnd(connection_id=1, sequence_number=1, record_count=1, offset=0)


def make(*outputs: Output, **options: Any) -> tuple[RecordHandler, list[Output], Bookmarks]:
    chosen = list(outputs) or [Output("file")]
    bookmarks = Bookmarks()
    handler = RecordHandler(mappings=MAPPINGS, metadata=MetadataCache(), outputs=chosen,
                            record_filter=Everything(), bookmarks=bookmarks,
                            counters=Counters(), **options)
    return handler, chosen, bookmarks


def feed(handler: RecordHandler, records: Sequence[Record]) -> None:
    for record in records:
        handler.handle(record)
    handler.handle(END)


def test_identities_of_the_newest_second_are_saved_with_the_bookmark() -> None:
    handler, outputs, bookmarks = make()
    older, first, second = event(T - 1, 1), event(T, 2), event(T, 3)

    feed(handler, [older, first, second])

    state = bookmarks.states[-1]
    assert state.timestamp == T
    assert state.identities == tuple(sorted(
        line_digest(line.encode()) for line in outputs[0].lines[1:]))
    assert state.identities_complete is True
    assert state.positions == {"file": OutputPosition("/out/file.cef", 3)}


def test_more_lines_in_the_same_second_save_the_bookmark_again() -> None:
    handler, _outputs, bookmarks = make()
    feed(handler, [event(T, 1)])
    feed(handler, [event(T, 2)])

    assert [len(state.identities) for state in bookmarks.states] == [1, 2]
    assert [state.timestamp for state in bookmarks.states] == [T, T]


def test_resent_lines_of_the_bookmark_second_are_skipped_after_a_resume() -> None:
    records = [event(T, 1), event(T, 2), event(T, 3), event(T + 1, 4)]
    before, _outputs, saved = make()
    feed(before, records[:2])  # the process stops here

    handler, outputs, _bookmarks = make()
    handler.resume(saved.states[-1])
    handler.start_session()
    feed(handler, records)  # the FMC resends second T from its start

    assert outputs[0].lines == [line_of(records[2]), line_of(records[3])]
    assert handler.counters.events_dropped_total["duplicate"] == 2
    assert handler.counters.events_written == 2


def test_identical_lines_of_distinct_events_are_skipped_only_as_often_as_written() -> None:
    twin = event(T, 7)
    before, _outputs, saved = make()
    feed(before, [twin])  # one copy written before the restart
    assert saved.states[-1].identities == (line_digest(line_of(twin).encode()),)

    handler, outputs, _bookmarks = make()
    handler.resume(saved.states[-1])
    handler.start_session()
    feed(handler, [twin, twin])  # the FMC holds two events with the very same line

    assert outputs[0].lines == [line_of(twin)]  # the second copy is a distinct event
    assert handler.counters.events_dropped_total["duplicate"] == 1


def test_lines_an_output_holds_beyond_its_position_are_skipped_for_that_output_only() -> None:
    records = [event(T, 1), event(T, 2), event(T, 3)]
    state = ResumeState(T, (), True, {"a": OutputPosition("/out/a.cef", 10),
                                      "b": OutputPosition("/out/b.cef", 10)})
    # Killed between the flush and the bookmark: "a" got record 1 onto disk, "b" did not.
    first, second = Output("a", held_after=[line_of(records[0])]), Output("b")
    handler, _outputs, _bookmarks = make(first, second)
    handler.resume(state)
    handler.start_session()

    feed(handler, records)

    assert first.lines == [line_of(records[1]), line_of(records[2])]
    assert second.lines == [line_of(r) for r in records]
    assert handler.counters.events_written == 3


def test_the_replay_ends_at_the_first_new_line_and_later_twins_are_written() -> None:
    known = event(T, 1)
    handler, outputs, _bookmarks = make(Output("file", held_after=[line_of(known)]))
    handler.resume(ResumeState(T, (), True, {"file": OutputPosition("/out/file.cef", 0)}))
    handler.start_session()

    feed(handler, [event(T, 2), known])  # the held line was not resent first: replay over

    assert outputs[0].lines == [line_of(event(T, 2)), line_of(known)]
    assert handler.counters.events_dropped_total["duplicate"] == 0


def test_records_older_than_the_bookmark_are_written_unless_told_otherwise() -> None:
    older = event(T - 5, 1)
    for skip_older, expected in ((False, [line_of(older)]), (True, [])):
        handler, outputs, _bookmarks = make(skip_older=skip_older)
        handler.resume(ResumeState(T))
        handler.start_session()
        feed(handler, [older])
        assert outputs[0].lines == expected


def test_a_reconnect_resumes_from_the_bookmark_and_skips_what_this_run_wrote() -> None:
    records = [event(T, 1), event(T, 2), event(T + 1, 3)]
    handler, outputs, _bookmarks = make()
    handler.start_session()
    for record in records[:2]:
        handler.handle(record)  # the connection breaks mid-bundle
    handler.finish()  # the runner settles: flush + bookmark
    handler.start_session()

    feed(handler, records)

    assert outputs[0].lines == [line_of(r) for r in records]


def test_only_max_identities_are_kept_and_the_state_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    handler, _outputs, bookmarks = make(max_identities=2)

    feed(handler, [event(T, 1), event(T, 2), event(T, 3)])

    state = bookmarks.states[-1]
    assert (len(state.identities), state.identities_complete) == (2, False)
    assert "more than 2 lines in archive second 1600000100" in caplog.text


def test_without_dedupe_the_bookmark_is_encores_timestamp_only() -> None:
    handler, outputs, bookmarks = make(dedupe=False)
    handler.resume(ResumeState(T, ("0123456789abcdef",), True, {}))
    handler.start_session()

    feed(handler, [event(T, 1), event(T + 1, 2)])

    assert bookmarks.states == [ResumeState(T + 1)]
    assert len(outputs[0].lines) == 2  # the resent line of second T is written again


def test_a_metadata_file_that_cannot_be_saved_does_not_stop_the_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_cache: MetadataCache) -> None:
        raise MappingError("cannot write metadata cache file /state/m.json: No space left")

    handler, outputs, bookmarks = make(save_metadata=broken)
    device = Record(record_type=123, archive_timestamp=0, fields={"id": 1, "name": "ftd-1"},
                    offset=0, is_metadata=True)
    caplog.set_level(logging.WARNING)

    feed(handler, [device, event(T, 1)])

    assert len(outputs[0].lines) == 1
    assert bookmarks.states[-1].timestamp == T
    assert "cannot write metadata cache file" in caplog.text
