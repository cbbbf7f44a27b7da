"""Shared by the protocol tests: a non-interactive matplotlib backend for the plot checks."""

import matplotlib

matplotlib.use("Agg")
