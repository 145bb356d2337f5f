"""The computed view renames a record's names in one step exactly as one-by-one assignment.

``ComputedView.view`` renames the names of a record (:data:`NAME_VIEW_KEYS`) with one
``dict.update`` over a cached tuple of view keys.  The reference assigns them one at a time
(a name renamed onto a key already present keeps the first place and takes the later
value; names renamed to None are left out).  Key order matters in the lines, so the
comparison is on the items in order.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cef_connector.estreamer import Record
from cef_connector.formats import NAME_VIEW_KEYS, ComputedView
from cef_connector.metadata import MetadataCache

_names = st.dictionaries(
    st.sampled_from(sorted(NAME_VIEW_KEYS)) | st.sampled_from(
        ["user", "fileType", "sensor", "recordTypeCategory", "eventSecond", "blocked"])
    | st.text(max_size=8),
    st.text(max_size=8), max_size=12)


@settings(max_examples=150, deadline=None)
@given(record_type=st.sampled_from([71, 400, 2, 9, 112, 125, 999]),
       rounds=st.lists(_names, min_size=1, max_size=4))
def test_names_are_renamed_in_order_as_one_by_one_assignment(
        record_type: int, rounds: list[dict[str, str]]) -> None:
    view = ComputedView()
    cache = MetadataCache()
    for names in rounds:
        record = Record(record_type=record_type, archive_timestamp=None, fields={}, offset=0,
                        is_metadata=False)
        computed = view.view(record, names, cache)
        plain = view.view(record, {}, cache)
        expected: dict[str, Any] = dict(plain)  # no fields here: nothing is derived
        for key, name in names.items():
            target = NAME_VIEW_KEYS.get(key, key)
            if target is not None:
                expected[target] = name
        assert list(computed.items()) == list(expected.items())


def test_two_names_renamed_onto_one_key_keep_the_first_place_and_the_last_name() -> None:
    record = Record(record_type=71, archive_timestamp=None, fields={}, offset=0,
                    is_metadata=False)
    names = {"initiatorCountry": "Sweden", "user": "jo", "sourceCountry": "Norway",
             "renderedSignatureId": "1:2", "device": "ftd"}
    assert list(ComputedView().view(record, names, MetadataCache()).items()) == [
        ("recordTypeCategory", "RNA"), ("recordTypeDescription", "Connection Statistics"),
        ("sourceIpCountry", "Norway"), ("user", "jo"), ("sensor", "ftd")]
