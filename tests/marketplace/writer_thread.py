"""A market writer on a thread of the test process (its own database connection), for tests that need a live
writer without a process of its own; the suite's real-process tests are in services/test_writer.py."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from apps.marketplace.services import sequencer_client
from apps.marketplace.services.writer import Writer


@contextmanager
def writer_thread(market_id: int) -> Iterator[None]:
    """A writer leading `market_id` until the block ends (the test must use transaction=True: the writer's
    connection sees only committed rows)."""
    stopping = threading.Event()
    thread = threading.Thread(target=lambda: Writer(market_ids=[market_id], linger_ms=20).serve(stop=stopping.is_set))
    thread.start()
    try:
        for _ in range(400):
            if sequencer_client.client().exists(sequencer_client.leader_key(market_id)):
                break
            stopping.wait(0.05)
        sequencer_client.leaders_forget()
        yield
    finally:
        stopping.set()
        thread.join(30)
        sequencer_client.leaders_forget()
