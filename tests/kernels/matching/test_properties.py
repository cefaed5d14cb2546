from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.matching import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    CancelAll,
    Cancelled,
    Command,
    Engine,
    Event,
    Expire,
    Expired,
    NewOrder,
    Reason,
    Side,
    StpMode,
    TimeInForce,
    Trade,
)

SETTINGS = settings(max_examples=200, deadline=None)
_TIFS = [TimeInForce.GTC] * 3 + [TimeInForce.GTD, TimeInForce.IOC, TimeInForce.FOK]
_MODES = list(StpMode)


class Digits:
    """Reads mixed-radix digits off one integer, scrambled first.

    Hypothesis favours small integers; unscrambled, their high digits would all be
    0 (owner 0, client id 0, ...) and most orders would be duplicates.
    """

    def __init__(self, word: int) -> None:
        self.word = (word * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64

    def take(self, radix: int) -> int:
        self.word, digit = divmod(self.word, radix)
        return digit


def decode_command(word: int, clock: int) -> Command:
    """One integer -> one command in a tiny universe (3 owners, 5 client ids, prices 98..102).

    ``clock`` is the latest ``Expire.now`` so far: expiries land near it and time
    only occasionally runs backwards.

    The universe is small so orders collide, cross, self-trade and reuse client ids;
    drawing one integer per command (instead of one draw per field) keeps hypothesis
    generation cheap enough for 200 examples of 30-80 commands per property; shrinking
    still shortens the log.
    """
    d = Digits(word)
    roll, owner, client_id = d.take(20), d.take(3), d.take(5)
    # Weighted so the book fills up: 70% new orders, rare cancel-alls, time mostly forward.
    if roll < 14:
        return decode_order(d, owner, client_id, clock)
    if roll < 16:
        return Cancel(owner=owner, client_id=client_id)
    if roll < 18:
        qty = d.take(9) or None
        price = (98 + d.take(5)) if d.take(3) == 2 else None
        return Amend(owner=owner, client_id=client_id, qty=qty, price=price)
    return Expire(now=clock + d.take(4) - 1) if roll < 19 else CancelAll(owner=owner)


def decode_order(d: Digits, owner: int, client_id: int, clock: int) -> NewOrder:
    side = Side.SELL if d.take(2) else Side.BUY
    base = dict(owner=owner, client_id=client_id, side=side, qty=1 + d.take(6), stp=_MODES[d.take(4)])
    if d.take(5) == 4:
        spend = 1 + d.take(1200) if side is Side.BUY else None
        return NewOrder.market(**base, max_spend=spend, tif=TimeInForce.FOK if d.take(2) else TimeInForce.IOC)
    tif = _TIFS[d.take(6)]
    expires_at = clock + d.take(6) if tif is TimeInForce.GTD else None
    post_only = tif in (TimeInForce.GTC, TimeInForce.GTD) and d.take(4) == 3
    return NewOrder.limit(**base, price=98 + d.take(5), tif=tif, expires_at=expires_at, post_only=post_only)


def decode_log(words: list[int]) -> list[Command]:
    log, clock = [], 0
    for word in words:
        log.append(decode_command(word, clock))
        if isinstance(log[-1], Expire):
            clock = max(clock, log[-1].now)
    return log


# Long logs: hypothesis favours short lists, and a book needs a few dozen orders to get interesting.
LOGS = st.lists(st.integers(0, 2**64 - 1), min_size=30, max_size=80).map(decode_log)


@dataclass
class Ledger:
    """Per-order quantities rebuilt from events alone."""

    side: dict[int, Side] = field(default_factory=dict)
    open: dict[int, int] = field(default_factory=dict)
    total: dict[int, int] = field(default_factory=dict)
    filled: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    price: dict[int, int | None] = field(default_factory=dict)
    command: dict[int, NewOrder] = field(default_factory=dict)

    def take(self, order_id: int, qty: int) -> None:
        assert 0 < qty <= self.open[order_id]
        self.open[order_id] -= qty

    def record(self, cmd: Command, event: Event) -> None:
        if isinstance(event, Accepted):
            self.side[event.order_id], self.open[event.order_id] = event.side, event.qty
            self.total[event.order_id], self.price[event.order_id] = event.qty, event.price
            self.command[event.order_id] = cmd
        elif isinstance(event, Trade):
            for order_id in (event.maker_order, event.taker_order):
                self.take(order_id, event.qty)
                self.filled[order_id] += event.qty
        elif isinstance(event, Cancelled):
            self.take(event.order_id, event.qty)
            assert self.open[event.order_id] == event.remaining
        elif isinstance(event, Expired):
            self.take(event.order_id, event.qty)
            assert self.open[event.order_id] == 0
        elif isinstance(event, Amended):
            self.total[event.order_id] += max(0, event.qty - self.open[event.order_id])
            self.open[event.order_id], self.price[event.order_id] = event.qty, event.price


def run(commands: list[Command], engine: Engine | None = None) -> list[tuple[Command, list[Event]]]:
    engine = engine or Engine()
    return [(cmd, engine.apply(cmd)) for cmd in commands]


def all_events(steps: list[tuple[Command, list[Event]]]) -> list[Event]:
    return [event for _, events in steps for event in events]


@SETTINGS
@given(LOGS)
def test_it_emits_exactly_the_events_of_the_naive_reference_model(reference_engine, commands) -> None:
    # given
    reference = reference_engine()
    engine = Engine()
    for cmd in commands:
        # when
        got = engine.apply(cmd)
        # then
        assert got == reference.apply(cmd), cmd
        assert engine.snapshot() == reference.snapshot()


@SETTINGS
@given(LOGS)
def test_it_never_leaves_the_book_crossed_and_depth_matches_resting_orders(commands) -> None:
    # given
    engine = Engine()
    for cmd in commands:
        # when
        engine.apply(cmd)
        # then
        bid, ask = engine.best_bid(), engine.best_ask()
        assert bid is None or ask is None or bid < ask
        levels: dict[tuple[Side, int], int] = defaultdict(int)
        for row in engine.snapshot():
            levels[row.side, row.price] += row.qty
        bids, asks = engine.depth(100)
        assert {(Side.BUY, p): q for p, q in bids} | {(Side.SELL, p): q for p, q in asks} == levels


@SETTINGS
@given(LOGS)
def test_it_conserves_quantity_per_order_and_per_side(commands) -> None:
    # given
    engine, ledger = Engine(), Ledger()
    # when
    for cmd, events in run(commands, engine):
        for event in events:
            ledger.record(cmd, event)
    # then
    resting = {row.order_id: row for row in engine.snapshot()}
    for order_id, open_qty in ledger.open.items():
        assert open_qty == (resting[order_id].qty if order_id in resting else 0)
        assert ledger.filled[order_id] <= ledger.total[order_id]
    for row in resting.values():
        assert row.filled == ledger.filled[row.order_id]
    bought = sum(q for oid, q in ledger.filled.items() if ledger.side[oid] is Side.BUY)
    sold = sum(q for oid, q in ledger.filled.items() if ledger.side[oid] is Side.SELL)
    assert bought == sold


@SETTINGS
@given(LOGS)
def test_it_fills_fok_orders_fully_or_not_at_all(commands) -> None:
    # given
    ledger = Ledger()
    # when
    for cmd, events in run(commands):
        for event in events:
            ledger.record(cmd, event)
    # then
    for order_id, cmd in ledger.command.items():
        if cmd.tif is TimeInForce.FOK:
            assert ledger.filled[order_id] in (0, cmd.qty)


@SETTINGS
@given(LOGS)
def test_it_never_lets_a_post_only_order_take(commands) -> None:
    # given
    ledger = Ledger()
    # when
    for cmd, events in run(commands):
        for event in events:
            ledger.record(cmd, event)
            # then
            if isinstance(event, Trade):
                assert not ledger.command[event.taker_order].post_only


@SETTINGS
@given(LOGS)
def test_it_trades_at_the_maker_price_within_the_taker_limit_and_across_sides(commands) -> None:
    # given
    ledger = Ledger()
    # when
    for cmd, events in run(commands):
        for event in events:
            if isinstance(event, Trade):
                # then
                assert event.price == ledger.price[event.maker_order]
                assert ledger.side[event.maker_order] is not event.taker_side
                limit = ledger.price[event.taker_order]
                if limit is not None:
                    assert event.price <= limit if event.taker_side is Side.BUY else event.price >= limit
            ledger.record(cmd, event)


@SETTINGS
@given(LOGS)
def test_it_never_trades_an_owner_with_itself_and_applies_the_taker_stp_mode(commands) -> None:
    # given
    steps = run(commands)
    for cmd, events in steps:
        # when
        stp = [e for e in events if isinstance(e, Cancelled) and e.reason is Reason.STP]
        # then
        assert all(e.maker_owner != e.taker_owner for e in events if isinstance(e, Trade))
        if not stp:
            continue
        taker_id = next(e.order_id for e in events if isinstance(e, (Accepted, Amended)))
        takers = [e for e in stp if e.order_id == taker_id]
        makers = [e for e in stp if e.order_id != taker_id]
        mode = cmd.stp if isinstance(cmd, NewOrder) else None
        if mode is StpMode.CANCEL_NEWEST:
            assert not makers and len(takers) == 1 and takers[0].remaining == 0
        elif mode is StpMode.CANCEL_OLDEST:
            assert not takers and all(e.remaining == 0 for e in makers)
        elif mode is StpMode.CANCEL_BOTH:
            assert len(takers) == 1 and takers[0] == stp[-1] and all(e.remaining == 0 for e in makers)
        elif mode is StpMode.DECREMENT:
            assert [e.qty for e in takers] == [e.qty for e in makers]


@SETTINGS
@given(LOGS)
def test_it_replays_a_command_log_to_identical_events(commands) -> None:
    # given
    first = all_events(run(commands))
    # when
    second = all_events(run(commands))
    # then
    assert first == second


@SETTINGS
@given(LOGS, st.data())
def test_it_continues_identically_after_snapshot_and_restore(commands, data) -> None:
    # given
    cut = data.draw(st.integers(0, len(commands)))
    original = Engine()
    run(commands[:cut], original)
    # when
    restored = Engine.restore(original.snapshot(), original.next_sequence, now=original.now)
    # then
    assert restored.snapshot() == original.snapshot()
    assert all_events(run(commands[cut:], restored)) == all_events(run(commands[cut:], original))
