"""Synthetic demo collections: an SMG-like JSON-lines dump and an NMS-like CSV export."""

from demo.generate import DemoFiles, synthetic_pairs, write_demo_data
from demo.study import create_demo_study

__all__ = ["DemoFiles", "synthetic_pairs", "write_demo_data", "create_demo_study"]
