from __future__ import annotations

import threading

from apps.ledger.services.group_commit import RECENT_S, GroupCommitter, ShardedCommitter


def test_threads_are_spread_over_every_group_and_each_keeps_its_own():
    # given: thread idents are aligned addresses, so choosing by `ident % n` put every thread in group 0
    committer = ShardedCommitter(4)
    picks: dict[int, list[int]] = {}

    def pick(k: int) -> None:
        picks[k] = [id(committer.group()) for _ in range(3)]

    # when
    threads = [threading.Thread(target=pick, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert all(len(set(p)) == 1 for p in picks.values())
    assert {p[0] for p in picks.values()} == {id(g) for g in committer._groups}


def test_a_batch_waits_for_the_callers_seen_recently_and_forgets_idle_ones():
    # given: three callers submitted just now, one a while ago
    group = GroupCommitter()
    group._callers._seen = {1: 100.0, 2: 100.0 - RECENT_S / 2, 3: 100.0, 4: 100.0 - 2 * RECENT_S}
    # when
    expected = group._expected(100.0)
    # then
    assert expected == 3 and set(group._callers._seen) == {1, 2, 3}


def test_a_lone_caller_is_expected_alone():
    # given
    group = GroupCommitter()
    group._callers._seen = {7: 5.0}
    # when / then
    assert group._expected(5.0) == 1
