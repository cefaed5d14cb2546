from __future__ import annotations

from apps.ledger.services import entries
from apps.ledger.services.group_commit import RECENT_S, RecentCallers


def test_recent_callers_count_threads_seen_within_the_window_and_forget_older_ones():
    # given
    callers = RecentCallers()
    # when
    counts = [callers.arrive(ident=i, now=100.0 + i * RECENT_S / 10) for i in range(8)]
    later = callers.arrive(ident=99, now=100.0 + 3 * RECENT_S)
    # then: each arrival sees those before it; long after, only the newcomer is active
    assert counts == [1, 2, 3, 4, 5, 6, 7, 8]
    assert later == 1


def test_auto_groups_only_when_enough_callers_are_active(monkeypatch):
    # given
    callers = RecentCallers()
    monkeypatch.setattr(entries, "_callers", callers)
    monkeypatch.setattr(entries, "GROUP_COMMIT", "auto")
    monkeypatch.setattr(entries, "GROUP_MIN_CALLERS", 4)
    # when: a lone caller, then three other threads active a moment ago
    lone = entries._grouped()
    for ident in (1, 2, 3):
        callers.arrive(ident=ident)
    busy = entries._grouped()
    # then
    assert (lone, busy) == (False, True)


def test_on_and_off_ignore_how_many_callers_are_active(monkeypatch):
    # given
    monkeypatch.setattr(entries, "_callers", RecentCallers())
    # when
    monkeypatch.setattr(entries, "GROUP_COMMIT", "on")
    on = entries._grouped()
    monkeypatch.setattr(entries, "GROUP_COMMIT", "off")
    off = entries._grouped()
    # then
    assert (on, off) == (True, False)
