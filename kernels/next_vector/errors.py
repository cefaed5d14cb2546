"""Errors raised by the NVP kernels."""

from __future__ import annotations


class TrainingCancelled(Exception):
    """``should_stop()`` returned True; ``step`` optimiser steps had been taken (0 during data)."""

    def __init__(self, step: int) -> None:
        super().__init__(f"training cancelled after {step} steps")
        self.step = step
