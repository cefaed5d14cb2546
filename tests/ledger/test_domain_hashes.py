"""The write path's hashes are written out by hand for speed (docs/ledger.md "Where a transfer's time goes"); they
must stay byte for byte the canonical JSON the verifier recomputes, or every entry would fail `ledger_verify` and
every retried request would answer a conflict instead of a replay."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.ledger.domain import (EntrySpec, PostingSpec, canonical, content_hash, entry_content_hash, entry_fields,
                                timestamp_text)

# Any text JSON may hold, quotes, backslashes, controls and non-ASCII included (NUL is refused upstream).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
IDS = st.none() | st.integers(min_value=1, max_value=2**62)
METADATA = st.dictionaries(TEXT, st.none() | st.booleans() | st.integers(-(2**63), 2**63) | TEXT
                           | st.lists(st.integers() | TEXT, max_size=3), max_size=4)
POSTINGS = st.lists(st.tuples(st.integers(1, 2**62), st.integers(-(10**15), 10**15).filter(bool),
                              st.sampled_from(["posted", "pending", "release"])), min_size=2, max_size=5)


def _spec(data: st.DataObject) -> EntrySpec:
    return EntrySpec(scope=data.draw(TEXT), tenant_id=data.draw(IDS), client_id=data.draw(TEXT),
                     kind=data.draw(TEXT), actor=data.draw(TEXT), metadata=data.draw(METADATA),
                     postings=tuple(PostingSpec(a, amount, phase) for a, amount, phase in data.draw(POSTINGS)),
                     reverses_id=data.draw(IDS), hold_id=data.draw(IDS))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_request_hash_is_the_canonical_json_of_the_request(data):
    # given
    spec = _spec(data)
    reference = canonical({"scope": spec.scope, "tenant": spec.tenant_id, "client_id": spec.client_id,
                           "kind": spec.kind, "reverses": spec.reverses_id, "hold": spec.hold_id,
                           "metadata": spec.metadata,
                           "postings": [[p.account_id, p.amount, p.phase] for p in spec.postings]})
    # when
    fast = spec.request_hash()
    # then
    assert fast == hashlib.sha256(reference.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), assets=st.lists(TEXT, min_size=5, max_size=5),
       moment=st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_content_hash_is_what_the_verifier_recomputes(data, assets, moment):
    # given
    spec = _spec(data)
    request_hash = spec.request_hash()
    legs = [(p.account_id, assets[k], p.amount, p.phase) for k, p in enumerate(spec.postings)]
    # when
    fast = entry_content_hash(spec, request_hash, legs, timestamp_text(moment))
    # then
    assert fast == content_hash(seqless=entry_fields(spec, request_hash), postings=legs, created_at=moment)
