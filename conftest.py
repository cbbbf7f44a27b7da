"""Suite-wide settings: notebooks and sweeps run in quick mode (few shots) under pytest."""

import os

os.environ.setdefault("QNET_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
