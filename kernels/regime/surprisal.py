"""The energy of a categorical event: its surprisal under the counts of the symbols seen before it."""

from __future__ import annotations

import math


def symbol_surprisal(codes: dict[str, int], counts: dict[int, int], total: int, symbol: str,
                     alphabet: int) -> tuple[float, int]:
    """``(-ln p, code)`` of ``symbol`` under the Laplace-smoothed counts seen before it, in nats; then counts it.

    ``codes`` (symbol -> code) and ``counts`` (code -> times seen) are updated in place; the caller adds one to
    its ``total``. The first ``alphabet - 1`` distinct symbols get codes of their own, rarer newcomers share the
    last code, so a stream's state stays bounded whatever it is fed.

    Example:
        >>> codes, counts = {}, {}
        >>> [round(symbol_surprisal(codes, counts, n, s, 4)[0], 3) for n, s in enumerate("aab")]
        [1.386, 0.916, 1.792]
    """
    code = codes.get(symbol)
    if code is None:
        code = min(len(codes), alphabet - 1)
        if len(codes) < alphabet - 1:
            codes[symbol] = code
    seen = counts.get(code, 0)
    # Laplace-smoothed so a never-seen symbol has a large but finite surprisal.
    surprisal = -math.log((seen + 1) / (total + alphabet))
    counts[code] = seen + 1
    return surprisal, code
