"""Behaviour of the bookmark file: eNcore's format, atomic saves, clear errors, start modes."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from cef_connector import bookmark as bookmark_module
from cef_connector.bookmark import Bookmark, bookmark_path, initial_timestamp
from cef_connector.errors import BookmarkError


def test_bookmark_file_is_named_like_encores(tmp_path: Path) -> None:
    assert bookmark_path(tmp_path, "10.101.101.198", 8302) == (
        tmp_path / "10.101.101.198-8302_bookmark.dat"
    )
    assert Bookmark.for_server(tmp_path, "fmc", 8302).path == tmp_path / "fmc-8302_bookmark.dat"


def test_missing_bookmark_file_loads_as_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Bookmark(tmp_path / "fmc-8302_bookmark.dat")

    with caplog.at_level(logging.INFO):
        assert store.load() is None

    assert caplog.messages == [f"Bookmark file {store.path} does not exist"]


def test_bookmark_written_by_encore_is_read(tmp_path: Path) -> None:
    path = tmp_path / "10.101.101.198-8302_bookmark.dat"
    path.write_text('{"1": 1606927953}', encoding="ascii")

    assert Bookmark(path).load() == 1606927953


def test_save_writes_encores_format_atomically_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    store = Bookmark(tmp_path / "state" / "fmc-8302_bookmark.dat")

    store.save(1606927953)

    assert store.path.read_text(encoding="ascii") == '{"1": 1606927953}'
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["fmc-8302_bookmark.dat"]
    assert store.load() == 1606927953


def test_save_replaces_the_previous_bookmark(tmp_path: Path) -> None:
    store = Bookmark(tmp_path / "b.dat")
    store.save(100)
    inode_before = store.path.stat().st_ino

    store.save(200)

    assert store.path.read_text(encoding="ascii") == '{"1": 200}'
    assert store.path.stat().st_ino != inode_before  # a new file was renamed over it


def test_save_fsyncs_the_file_and_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])

    Bookmark(tmp_path / "b.dat").save(1)

    assert len(synced) == 2


def test_failed_save_keeps_the_old_bookmark_and_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Bookmark(tmp_path / "b.dat")
    store.save(100)

    def broken_replace(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)

    with pytest.raises(BookmarkError) as caught:
        store.save(200)

    assert str(caught.value) == (
        f"cannot write bookmark file {store.path}: No space left on device; check that the "
        "state directory exists, is writable and has free space"
    )
    assert store.path.read_text(encoding="ascii") == '{"1": 100}'
    assert [p.name for p in tmp_path.iterdir()] == ["b.dat"]


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"{not json", "is not valid JSON"),
        (b"\xff\xfe", "is not valid JSON"),
        (b"[1606927953]", "does not hold a JSON object"),
        (b'{"2": 1}', 'has no "1" entry'),
        (b'{"1": "1606927953"}', 'holds "1606927953" under "1", not a timestamp from 0 to 4294967295'),
        (b'{"1": -1}', 'holds -1 under "1", not a timestamp from 0 to 4294967295'),
        (b'{"1": 4294967296}', 'holds 4294967296 under "1", not a timestamp from 0 to 4294967295'),
        (b'{"1": true}', 'holds true under "1", not a timestamp from 0 to 4294967295'),
    ],
)
def test_corrupt_bookmark_raises_an_error_naming_the_file_and_the_options(
    tmp_path: Path, content: bytes, what: str
) -> None:
    path = tmp_path / "fmc-8302_bookmark.dat"
    path.write_bytes(content)

    with pytest.raises(BookmarkError) as caught:
        Bookmark(path).load()

    assert str(caught.value) == (
        f"bookmark file {path} {what}; fix it so that it reads like "
        '{"1": 1606927953} (the archive time to resume from), or delete it to start as '
        "'start' says (with start = 2 and no bookmark: from the oldest data)"
    )


def test_unreadable_bookmark_raises_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fmc-8302_bookmark.dat"
    path.mkdir()  # a directory cannot be read as a file

    with pytest.raises(BookmarkError, match=f"bookmark file {path} cannot be read"):
        Bookmark(path).load()


@pytest.mark.parametrize("value", [-1, 4294967296, 1.5, True])
def test_save_refuses_a_value_that_is_not_a_uint32(tmp_path: Path, value: object) -> None:
    with pytest.raises(BookmarkError):
        Bookmark(tmp_path / "b.dat").save(value)  # type: ignore[arg-type]

    assert not (tmp_path / "b.dat").exists()


def test_reset_deletes_the_file_once(tmp_path: Path) -> None:
    store = Bookmark(tmp_path / "b.dat")
    store.save(5)

    assert (store.reset(), store.reset()) == (True, False)
    assert store.load() is None


@pytest.mark.parametrize(
    ("start", "stored", "expected"),
    [
        (0, None, 0),
        (0, 1606927953, 0),
        (1, None, 0xFFFFFFFF),
        (1, 1606927953, 0xFFFFFFFF),
        (2, 1606927953, 1606927953),
        (2, None, 0),
    ],
)
def test_initial_timestamp_follows_encores_start_modes(
    start: int, stored: int | None, expected: int
) -> None:
    assert initial_timestamp(start, stored) == expected


def test_initial_timestamp_logs_the_choice(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=bookmark_module.__name__):
        initial_timestamp(2, None)
        initial_timestamp(2, 1590497346)

    assert caplog.messages == [
        "Timestamp: start = 2 (no bookmark: oldest data available)",
        "Timestamp: start = 2 (bookmark = 1590497346)",
    ]


def test_initial_timestamp_refuses_an_unknown_start() -> None:
    with pytest.raises(BookmarkError, match="start must be 0 .genesis., 1 .now. or 2"):
        initial_timestamp(3, None)


def test_bookmark_store_locates_the_file_by_server(tmp_path: Path) -> None:
    store = bookmark_module.BookmarkStore(tmp_path, "10.62.148.75", 8302)
    store.save(1590497346)

    assert store.path == tmp_path / "10.62.148.75-8302_bookmark.dat"
    assert Bookmark(store.path).load() == 1590497346


# -- the "cefConnector" entry: identities and output positions ------------------------

STATE = bookmark_module.ResumeState(
    1606927953,
    ("0123456789abcdef", "0123456789abcdef", "fedcba9876543210"),
    True,
    {"relfile:///cef/events.{0}.cef": bookmark_module.OutputPosition("/data/cef/e.cef", 4096)},
)


def test_resume_state_round_trips_through_one_atomic_file(tmp_path: Path) -> None:
    store = Bookmark(tmp_path / "fmc-8302_bookmark.dat")

    store.save_state(STATE)

    assert store.load_state() == STATE
    assert store.load() == 1606927953
    assert [p.name for p in tmp_path.iterdir()] == ["fmc-8302_bookmark.dat"]


def test_resume_state_file_is_still_read_by_encores_rule(tmp_path: Path) -> None:
    store = Bookmark(tmp_path / "b.dat")
    store.save_state(STATE)

    data = json.loads(store.path.read_text(encoding="utf-8"))

    # eNcore reads store["1"] when it is an int, and keeps the other keys.
    assert isinstance(data["1"], int) and data["1"] == 1606927953
    assert data["cefConnector"]["second"] == 1606927953


def test_plain_state_is_written_in_encores_exact_format(tmp_path: Path) -> None:
    store = Bookmark(tmp_path / "b.dat")

    store.save_state(bookmark_module.ResumeState(200))

    assert store.path.read_text(encoding="ascii") == '{"1": 200}'
    assert store.load_state() == bookmark_module.ResumeState(200)


def test_entry_of_another_second_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Bookmark(tmp_path / "b.dat")
    store.save_state(STATE)
    data = json.loads(store.path.read_text(encoding="utf-8"))
    data["1"] = 1606927999  # eNcore (or a person) moved the bookmark on
    store.path.write_text(json.dumps(data), encoding="utf-8")

    with caplog.at_level(logging.WARNING):
        state = store.load_state()

    assert state == bookmark_module.ResumeState(1606927999)
    assert 'belongs to second 1606927953, not to the bookmark 1606927999' in caplog.text


@pytest.mark.parametrize(
    ("entry", "what"),
    [
        ("x", "not a JSON object"),
        ({"format": 2}, "format 2, this version reads format 1; it was written by another "
                        "version of cef-connector"),
        ({"format": 1, "second": "1", "complete": True, "written": [], "outputs": {}},
         '"second" is not a timestamp'),
        ({"format": 1, "second": 5, "complete": 1, "written": [], "outputs": {}},
         '"complete" is not true or false'),
        ({"format": 1, "second": 5, "complete": True, "written": ["XYZ"], "outputs": {}},
         '"written" is not a list of 16-digit lowercase hex identities'),
        ({"format": 1, "second": 5, "complete": True, "written": [], "outputs": []},
         '"outputs" is not a JSON object'),
        ({"format": 1, "second": 5, "complete": True, "written": [],
          "outputs": {"f": {"path": "/x", "size": -1}}}, 'output "f" needs "path" and "size"'),
    ],
)
def test_invalid_entry_stops_with_an_error_naming_the_file_and_the_ways_out(
    tmp_path: Path, entry: object, what: str
) -> None:
    path = tmp_path / "fmc-8302_bookmark.dat"
    path.write_text(json.dumps({"1": 5, "cefConnector": entry}), encoding="utf-8")

    with pytest.raises(BookmarkError) as caught:
        Bookmark(path).load_state()

    assert str(caught.value) == (
        f'bookmark file {path} has an invalid "cefConnector" entry ({what}); fix it, or '
        "remove that entry to resume from 5 without it (the events of that second may then "
        "be written twice), or delete the file to start as 'start' says"
    )
