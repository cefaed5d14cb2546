"""Cyber library: importing it registers its scenarios."""
from __future__ import annotations

from kernels.scenarios.cyber import host, identity, network

__all__ = ["host", "identity", "network"]
