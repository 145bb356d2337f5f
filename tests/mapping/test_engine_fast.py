"""MappingTable.render_line (generated line renderers) against the reference encode(map(...))."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.cef import CefEvent, encode
from cef_connector.cef.encoder import LinePlan
from cef_connector.errors import MappingError
from cef_connector.estreamer import Record
from cef_connector.mapping import MappingTable, load_mappings
from cef_connector.mapping.engine import VERIFIED_LINES
from cef_connector.mapping.samples import SAMPLES

from .helpers import DEVICE_VERSION, names, record


def reference(table: MappingTable, rec: Record, resolved: dict[str, str]) -> str | MappingError:
    """What the straightforward path gives: the line, or the error it raises."""
    try:
        event = table.map(rec, resolved)
        assert event is not None
        return encode(event)
    except MappingError as exc:
        return exc


def fast(table: MappingTable, rec: Record, resolved: dict[str, str]) -> str | MappingError:
    try:
        line = table.render_line(rec, resolved)
        assert line is not None
        return line
    except MappingError as exc:
        return exc


def same(left: str | MappingError, right: str | MappingError) -> bool:
    if isinstance(left, MappingError) or isinstance(right, MappingError):
        return type(left) is type(right) and str(left) == str(right)
    return left == right


def as_record(sample: Any) -> Record:
    return Record(record_type=sample.record_type, archive_timestamp=sample.archive_timestamp,
                  fields=dict(sample.fields), offset=sample.offset, is_metadata=False)


@pytest.fixture(scope="module", params=["default", "encore-compat"])
def table(request: pytest.FixtureRequest) -> MappingTable:
    return load_mappings(request.param, DEVICE_VERSION)


# --- every sample ------------------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
@pytest.mark.parametrize("with_names", [True, False], ids=["names", "no-names"])
def test_render_line_is_encode_of_map_on_every_sample(table: MappingTable, sample: Any,
                                                      with_names: bool) -> None:
    resolved = dict(sample.names) if with_names else {}
    rec = as_record(sample)
    if sample.record_type not in table.record_types:  # e.g. record 9 in encore-compat
        assert table.render_line(rec, resolved) is None
        return
    expected = reference(table, rec, resolved)
    assert isinstance(expected, str)
    assert table.render_line(rec, resolved) == expected


@pytest.mark.parametrize("set_name", ["default", "encore-compat"])
def test_every_packaged_mapping_has_a_line_renderer_that_writes_every_sample(set_name: str) -> None:
    table = load_mappings(set_name, DEVICE_VERSION)
    for record_type in sorted(table.record_types):
        source = table.line_source(record_type)
        assert source is not None and source.startswith("def render_line(f, n, rt, ts):"), (
            f"{table.source_of(record_type)} uses something the line renderer does not translate; "
            "its records take the slower reference path")
    # Samples whose text needs no cleaning (some carry NULs or padding on purpose).
    samples = [as_record(s) for s in SAMPLES if s.record_type in table.record_types
               and all(LinePlan.clean_text(value, 10_000) for value in s.fields.values()
                       if isinstance(value, str))]
    assert {71, 400, 2} <= {rec.record_type for rec in samples}
    for _ in range(VERIFIED_LINES):  # past the lines that are also rendered the reference way
        for rec in samples:
            table.render_line(rec, {})
    expected = {id(rec): reference(table, rec, {}) for rec in samples}

    def refuse(*args: Any) -> None:
        raise AssertionError("took the reference path")

    table.map = refuse  # type: ignore[method-assign]
    for rec in samples:
        assert table.render_line(rec, {}) == expected[id(rec)]


def test_unmapped_record_type_gives_none(table: MappingTable) -> None:
    rec = Record(record_type=9999, archive_timestamp=None, fields={}, offset=0, is_metadata=False)
    assert table.render_line(rec, {}) is None


# --- hostile values: the fast path may refuse, never differ -------------------------------

_ALPHABET = list("ab Z09 =|\\\n\r\t\x00\x1f\x7f\xa0é😀") + ["\ud800", "  ", "= "]
_TEXT = st.lists(st.sampled_from(_ALPHABET), max_size=10).map("".join)
_LONG = st.integers(0, 1100).map(lambda n: "x" * n)
_VALUE = st.one_of(_TEXT, _LONG)


@settings(max_examples=80, deadline=None)
@given(url=_VALUE, agent=_TEXT, host=_TEXT, user=_VALUE, app=_VALUE, rule=_TEXT, device=_TEXT,
       action=_TEXT, port=st.integers(-5, 70_000), bytes_in=st.integers(0, 2**64 - 1),
       drop_names=st.sets(st.sampled_from(["user", "applicationProtocol", "device", "protocol",
                                           "accessControlRule", "ruleAction"])))
def test_connection_lines_match_the_reference_on_hostile_values(
    table: MappingTable, url: str, agent: str, host: str, user: str, app: str, rule: str,
    device: str, action: str, port: int, bytes_in: int, drop_names: set[str]
) -> None:
    rec = record("71 IPv4", clientUrl=url, userAgent=agent, sslServerName=host,
                 initiatorPort=port, initiatorTransmittedBytes=bytes_in)
    resolved = names("71 IPv4", drop=tuple(drop_names), user=user, applicationProtocol=app,
                     accessControlRule=rule, device=device, ruleAction=action)
    expected = reference(table, rec, resolved)
    assert same(fast(table, rec, resolved), expected), expected


@settings(max_examples=80, deadline=None)
@given(message=_VALUE, rendered=_TEXT, classification=_TEXT, protocol=st.integers(0, 300),
       blocked=st.integers(0, 4), priority=st.integers(0, 5), impact=st.integers(0, 6),
       ipv6=st.booleans(), drop_names=st.sets(st.sampled_from(["ruleMessage", "renderedSignatureId",
                                                               "classification", "protocol"])))
def test_intrusion_lines_match_the_reference_on_hostile_values(
    table: MappingTable, message: str, rendered: str, classification: str, protocol: int,
    blocked: int, priority: int, impact: int, ipv6: bool, drop_names: set[str]
) -> None:
    label = "400 IPv6" if ipv6 else "400 IPv4"
    rec = record(label, ipProtocolId=protocol, blocked=blocked, priorityId=priority, impact=impact)
    resolved = names(label, drop=tuple(drop_names), ruleMessage=message,
                     renderedSignatureId=rendered, classification=classification)
    expected = reference(table, rec, resolved)
    assert same(fast(table, rec, resolved), expected), expected


@settings(max_examples=60, deadline=None)
@given(dropped=st.sets(st.sampled_from(["clientUrl", "userId", "referencedHost", "sslServerName",
                                        "protocol", "ruleAction", "vlanId", "httpReferrer"]),
                       max_size=3),
       with_names=st.booleans())
def test_records_missing_fields_match_the_reference(
    table: MappingTable, dropped: set[str], with_names: bool
) -> None:
    rec = record("71 IPv4", drop=tuple(dropped))
    resolved = names("71 IPv4") if with_names else {}
    expected = reference(table, rec, resolved)
    assert same(fast(table, rec, resolved), expected), expected


def test_a_name_does_not_hide_an_error_in_its_fallback(table: MappingTable) -> None:
    # names.user | default(userId | nonzero): Jinja evaluates the fallback first, and
    # nonzero of a missing field raises, even though the name is there.
    rec = record("71 IPv4", drop=("userId",))
    resolved = names("71 IPv4", user="jdoe")
    expected = reference(table, rec, resolved)
    if table.mapping_set == "default":
        assert isinstance(expected, MappingError) and "userId" in str(expected)
    assert same(fast(table, rec, resolved), expected)


def test_url_with_equals_and_backslash_is_escaped_as_encode_does(
    parse_cef: Callable[[str], Any]
) -> None:
    table = load_mappings("default", DEVICE_VERSION)
    rec = record("71 IPv4", clientUrl="http://x.test/a?b=c&d=e\\f")
    line = table.render_line(rec, {})
    assert line is not None and "request=http://x.test/a?b\\=c&d\\=e\\\\f " in line
    assert parse_cef(line).extension_dict()["request"] == "http://x.test/a?b=c&d=e\\f"


# --- the safety net -------------------------------------------------------------------------

def test_a_generated_line_that_differs_is_replaced_and_its_renderer_retired(
    caplog: pytest.LogCaptureFixture
) -> None:
    table = load_mappings("default", DEVICE_VERSION)
    rec = record("71 IPv4")
    expected = reference(table, rec, {})
    table._lines[71] = lambda *args: "CEF:0|wrong"  # noqa: SLF001 - a code generation bug

    with caplog.at_level(logging.ERROR, logger="cef_connector.mapping.engine"):
        first = table.render_line(rec, {})
        second = table.render_line(rec, {})

    assert first == expected and second == expected
    assert table.line_source(71) is None
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "connection_statistics.yaml" in message and "'CEF:0|wrong'" in message
    assert "report this as a bug" in message


def test_a_generated_line_where_the_reference_raises_is_not_written(
    caplog: pytest.LogCaptureFixture
) -> None:
    table = load_mappings("default", DEVICE_VERSION)
    rec = record("71 IPv4", drop=("userId",))  # the reference raises (see above)
    table._lines[71] = lambda *args: "CEF:0|Cisco|Firepower|x|y|z|5|"  # noqa: SLF001

    with caplog.at_level(logging.ERROR, logger="cef_connector.mapping.engine"):
        with pytest.raises(MappingError, match="userId"):
            table.render_line(rec, names("71 IPv4"))

    assert table.line_source(71) is None


# --- map() builds the same events faster -------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_map_builds_ordinary_cef_events(table: MappingTable, sample: Any) -> None:
    event = table.map(as_record(sample), dict(sample.names))
    if event is None:
        assert sample.record_type not in table.record_types
        return
    rebuilt = CefEvent(**{f.name: getattr(event, f.name) for f in dataclasses.fields(CefEvent)})
    assert type(event) is CefEvent
    assert event == rebuilt and hash(event) == hash(rebuilt) and repr(event) == repr(rebuilt)
    assert dataclasses.replace(event, severity=1).severity == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.name = "x"  # type: ignore[misc]


# --- mappings outside the generated subset ---------------------------------------------------

def test_mapping_with_a_statement_takes_the_reference_path(
    mapping_set: Callable[..., Path]
) -> None:
    root = mapping_set({"packet.yaml": (
        "record_types: [2]\n"
        "signature_id: PKT\n"
        "name: Packet\n"
        "severity: 3\n"
        "extensions:\n"
        "  cn1: \"{% if packetLength %}{{ packetLength }}{% endif %}\"\n"
        "labels:\n"
        "  cn1: Packet Length\n"
    )})
    table = load_mappings("custom", DEVICE_VERSION, mappings_dir=root,
                          templates_dir=root.parent / "templates")
    rec = record("2 ")
    assert table.line_source(2) is None
    line = table.render_line(rec, {})
    assert line == reference(table, rec, {})
    assert line is not None and line.endswith("|3|cn1=" + str(rec.fields["packetLength"])
                                              + " cn1Label=Packet Length")


# --- the ipv6 filter's cache -----------------------------------------------------------------

def test_remembered_ipv6_results_are_the_filters_own() -> None:
    from jinja2 import StrictUndefined
    from jinja2.exceptions import UndefinedError

    from cef_connector.mapping import codegen
    from cef_connector.mapping.filters import ipv6

    remembered = codegen._memoized(ipv6, limit=3)  # noqa: SLF001
    values: list[object] = ["2001:db8::1", "2001:0db8:0:0::1", "10.0.0.1", "::ffff:10.0.0.1", "::",
                            "fe80::1%eth0", "junk", None, 5, b"2001:db8::1"]
    for _ in range(2):  # computed, then (for the last ones) from the cache
        assert [remembered(v) for v in values] == [ipv6(v) for v in values]
    with pytest.raises(UndefinedError):
        remembered(StrictUndefined(name="address"))


# --- filters written inline (nonzero, proto_name, cef_time) ---------------------------------

_FILTER_ARGUMENT = st.one_of(
    st.integers(-2**70, 2**70), st.sampled_from([0, 1, 6, 17, 58, 255, 256, -1]), st.booleans(),
    st.none(), st.text(max_size=4), st.floats(allow_nan=False), st.just("0"),
    st.just("00000000-0000-0000-0000-000000000000"), st.binary(max_size=3))


@pytest.fixture(scope="module")
def inline_filter_table(tmp_path_factory: pytest.TempPathFactory) -> MappingTable:
    import shutil

    from .conftest import REPO

    base = tmp_path_factory.mktemp("inline")
    set_dir = base / "mappings" / "custom"
    set_dir.mkdir(parents=True)
    (set_dir / "_defaults.yaml").write_text("device_vendor: Cisco\ndevice_product: Firepower\n")
    (set_dir / "packet.yaml").write_text(
        "record_types: [2]\n"
        "signature_id: PKT\n"
        "name: Packet\n"
        "severity: 3\n"
        "extensions:\n"
        "  cs1: \"{{ packetSecond | nonzero }}\"\n"
        "  cs2: \"{{ linkType | proto_name }}\"\n"
        "  cs3: \"{{ packetSecond | cef_time }}\"\n"
        "  cs4: \"{{ packetSecond | cef_time(linkType) }}\"\n"
        "  cs5: \"{{ names.device | default(linkType | nonzero) }}\"\n"
        "labels: {cs1: A, cs2: B, cs3: C, cs4: D, cs5: E}\n")
    shutil.copytree(REPO / "templates", base / "templates")
    return load_mappings("custom", DEVICE_VERSION, mappings_dir=base / "mappings",
                         templates_dir=base / "templates")


@settings(max_examples=300, deadline=None)
@given(a=_FILTER_ARGUMENT, b=_FILTER_ARGUMENT, drop=st.sampled_from(["", "packetSecond", "linkType"]),
       with_name=st.booleans())
def test_filters_written_inline_give_the_filters_own_results_and_errors(
    inline_filter_table: MappingTable, a: Any, b: Any, drop: str, with_name: bool
) -> None:
    fields = {key: value for key, value in (("packetSecond", a), ("linkType", b)) if key != drop}
    rec = Record(record_type=2, archive_timestamp=1, fields=fields, offset=0, is_metadata=False)
    resolved = {"device": "named"} if with_name else {}
    assert "== 0 else" in (inline_filter_table.line_source(2) or "")
    try:  # Jinja alone: the filters called as functions
        event = inline_filter_table.map_reference(rec, resolved)
        assert event is not None
        jinja: str | None = encode(event)
    except MappingError:
        jinja = None
    for path in (fast, reference):  # generated code: the filters inline
        got = path(inline_filter_table, rec, resolved)
        if jinja is None:
            assert isinstance(got, MappingError)
        else:
            assert got == jinja


def test_the_packaged_connection_mapping_writes_nonzero_proto_name_and_cef_time_inline() -> None:
    table = load_mappings("default", DEVICE_VERSION)
    source = table.line_source(71)
    assert source is not None
    assert "* 1000 +" in source and "== 0 else" in source and "in I_" in source
