"""NAB application profiles (cost matrices), as in upstream NAB v1.1 ``config/profiles.json``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NabProfile:
    """Weights of one NAB application profile.

    ``tp_weight`` scales the reward of the earliest detection in a window, ``fp_weight`` the
    (negative) sigmoid cost of a detection outside every window and ``fn_weight`` the cost of a
    window with no detection.

    Example:
        >>> PROFILES["standard"].fp_weight
        0.11
    """

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES: dict[str, NabProfile] = {
    "standard": NabProfile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0),
    "reward_low_FP_rate": NabProfile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, fn_weight=1.0),
    "reward_low_FN_rate": NabProfile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0),
}
