from __future__ import annotations

import threading

from apps.ledger.services.group_commit import ShardedCommitter


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
