from __future__ import annotations

GENESIS = "0" * 64  # prev_hash of the first entry
