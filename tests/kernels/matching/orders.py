"""Order builders shared by the matching-engine tests."""
from __future__ import annotations

from kernels.matching import Engine, NewOrder, Side


def buy(owner: int, cid: int | str, price: int, qty: int, **kw: object) -> NewOrder:
    return NewOrder.limit(owner=owner, client_id=cid, side=Side.BUY, price=price, qty=qty, **kw)


def sell(owner: int, cid: int | str, price: int, qty: int, **kw: object) -> NewOrder:
    return NewOrder.limit(owner=owner, client_id=cid, side=Side.SELL, price=price, qty=qty, **kw)


def book_with(*orders: NewOrder) -> Engine:
    engine = Engine()
    for order in orders:
        engine.apply(order)
    return engine
