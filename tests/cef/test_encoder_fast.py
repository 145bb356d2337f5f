"""The encoder's fast paths agree with its general path; line plans refuse what they cannot write."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.cef import CefEvent, encode
from cef_connector.cef import encoder as cef_encoder
from cef_connector.cef.encoder import SEVERITY_TEXTS, LinePlan, line_plan
from cef_connector.errors import MappingError


def general(event: CefEvent) -> str | MappingError:
    """encode() with the shape path switched off: the general path decides everything."""
    with mock.patch.object(cef_encoder, "_extension_by_shape", lambda pairs: None):
        return outcome(event)


def outcome(event: CefEvent) -> str | MappingError:
    try:
        return encode(event)
    except MappingError as exc:
        return exc


def same(left: str | MappingError, right: str | MappingError) -> bool:
    if isinstance(left, MappingError) or isinstance(right, MappingError):
        return type(left) is type(right) and str(left) == str(right)
    return left == right


def event(*pairs: tuple[str, object], custom_keys: frozenset[str] = frozenset()) -> CefEvent:
    return CefEvent("Cisco", "Firepower", "7.4", "SIG:1", "Name", 5, tuple(pairs),  # type: ignore[arg-type]
                    custom_keys)


# --- the shape path -----------------------------------------------------------------------

_KEYS = ["src", "spt", "rt", "act", "request", "cs1", "cs1Label", "cn1", "cn1Label", "suser",
         "msg", "c6a2", "dvchost", "in", "proto", "app", "smac", "cfp1", "cfp1Label", "myKey"]
_TEXT = st.lists(st.sampled_from(list("ab Z9.:=|\\\n\r\t\x00\x7f\xa0é") + ["\ud800", "  "]),
                 max_size=8).map("".join)
_VALUE = st.one_of(
    _TEXT,
    st.sampled_from(["10.0.0.1", "2001:db8::1", "::", "443", "70000", "1700000000123", "-3",
                     "00:50:56:a1:b2:c3", "TCP", "", " padded ", "a=b", "C:\\tmp", "x" * 40]),
    st.integers(-1, 70_000),
    st.none(),
    st.integers(0, 1100).map(lambda n: "y" * n),
)


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(_KEYS), _VALUE), max_size=12),
       custom=st.booleans())
def test_encode_equals_the_general_path_on_random_events(
    pairs: list[tuple[str, object]], custom: bool
) -> None:
    built = event(*pairs, custom_keys=frozenset({"myKey"}) if custom else frozenset())
    assert same(outcome(built), general(built))


def test_clean_events_are_encoded_by_shape() -> None:
    pairs = {"src": "10.0.0.1", "spt": "443", "request": "http://x.test/?a=b", "cs1": "Policy",
             "cs1Label": "Access Control Policy", "msg": "line1\nline2"}
    text = cef_encoder._extension_by_shape(pairs)  # noqa: SLF001
    assert text == ("src=10.0.0.1 spt=443 request=http://x.test/?a\\=b cs1=Policy "
                    "cs1Label=Access Control Policy msg=line1\\nline2")
    assert text == general(event(*pairs.items())).split("|", 7)[7]  # type: ignore[union-attr]


@pytest.mark.parametrize("pairs", [
    {"spt": "70000"},                        # a typed value encode must refuse
    {"msg": " padded"},                      # trimmed by encode
    {"msg": "tab\there"},                    # a control turned into a space
    {"app": "x" * 32},                       # truncated to the key's limit
    {"cs1": "no label"},                     # a custom field without its label
    {"cs1Label": "a label alone"},           # a label whose field is not there
    {"myKey": "custom"},                     # a key outside the dictionary
    {"msg": ""},                             # an omitted value
])
def test_events_that_need_work_take_the_general_path(pairs: dict[str, str]) -> None:
    assert cef_encoder._extension_by_shape(pairs) is None  # noqa: SLF001


def test_ipv6_validation_is_remembered_and_still_exact() -> None:
    assert cef_encoder._is_ipv6("2001:db8::1") is True  # noqa: SLF001
    assert cef_encoder._is_ipv6("2001:db8::1") is True  # noqa: SLF001 - from the cache
    assert cef_encoder._is_ipv6("::") is False  # noqa: SLF001
    assert cef_encoder._is_ipv6("fe80::1%eth0") is False  # noqa: SLF001
    assert cef_encoder._is_ipv6("10.0.0.1") is False  # noqa: SLF001


# --- line plans -------------------------------------------------------------------------------

def plan(*slots: tuple[str, tuple[str, str] | None], vendor: str = "Cisco",
         custom: frozenset[str] = frozenset()) -> LinePlan | None:
    return line_plan(vendor, "Firepower", "7.4", slots, custom)


def test_plan_of_a_mapping_lists_prefixes_checks_limits_and_labels() -> None:
    planned = plan(("rt", None), ("spt", None), ("act", None), ("cs1", ("cs1Label", "Policy")),
                   ("in", None))
    assert planned is not None
    assert planned.head == "CEF:0|Cisco|Firepower|7.4|"
    assert [p.prefix for p in planned.extensions] == ["rt=", "spt=", "act=", "cs1=", "in="]
    assert [p.label for p in planned.extensions] == [None, None, None, "cs1Label=Policy", None]
    assert [p.max_length for p in planned.extensions] == [None, None, 63, 4000, None]
    assert [p.check is not None for p in planned.extensions] == [True, True, False, False, True]
    assert [p.digits for p in planned.extensions] == [True, False, False, False, True]
    assert (planned.signature_max, planned.name_max) == (1023, 512)


def test_plan_head_is_escaped_like_encode() -> None:
    planned = plan(("act", None), vendor="Ci|sco\\")
    assert planned is not None and planned.head == "CEF:0|Ci\\|sco\\\\|Firepower|7.4|"


@pytest.mark.parametrize("slots", [
    (("act", None), ("act", None)),                        # a key twice
    (("cs1", ("cs1Label", "x")), ("cs1Label", None)),       # a label key twice
    (("cs1Label", None),),                                  # a label key as a value
    (("cs1", None),),                                       # a custom field without label
    (("cs1", ("cs2Label", "x")),),                          # the wrong label key
    (("cs1", ("cs1Label", "a=b")),),                        # a label encode would escape
    (("cs1", ("cs1Label", " x")),),                         # a label encode would trim
    (("cs1", ("cs1Label", "")),),                           # an empty label
    (("notAKey", None),),                                   # not in the dictionary
    (("agt", None),),                                       # reserved for the consumer
])
def test_plan_refuses_what_encode_would_change_or_reject(
    slots: tuple[tuple[str, tuple[str, str] | None], ...]
) -> None:
    assert plan(*slots) is None


def test_plan_accepts_declared_custom_keys_with_their_limit() -> None:
    planned = plan(("myKey", None), custom=frozenset({"myKey"}))
    assert planned is not None
    assert planned.extensions[0].max_length == 1023 and planned.extensions[0].check is None
    assert plan(("myKey", None)) is None


def test_plan_refuses_an_empty_vendor() -> None:
    assert plan(("act", None), vendor="") is None


@pytest.mark.parametrize(("value", "clean"), [
    ("abc", True), ("a  b", True), ("a=b\\c", True), ("line\r\nbreak", True), (" a", False),
    ("a ", False), ("tab\t", False), ("nbsp\xa0", False), ("x" * 64, False), ("", True),
])
def test_clean_text_is_what_encode_only_escapes(value: str, clean: bool) -> None:
    assert LinePlan.clean_text(value, 63) is clean
    if clean and value:
        line = encode(event(("act", value)))
        escaped = (value.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n")
                   .replace("\r", "\\r"))
        assert line.endswith("|act=" + escaped)


@pytest.mark.parametrize(("value", "clean"), [
    ("SIG:1", True), ("a|b", False), ("a\\b", False), ("", False), ("x" * 1024, False),
    ("line\nbreak", False),
])
def test_clean_header_is_what_encode_writes_unchanged(value: str, clean: bool) -> None:
    assert LinePlan.clean_header(value, 1023) is clean


def test_severity_texts_are_the_canonical_ones() -> None:
    assert SEVERITY_TEXTS == {str(n): str(n) for n in range(11)}
