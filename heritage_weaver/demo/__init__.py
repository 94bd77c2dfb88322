"""Synthetic demo collections: an SMG-like JSON-lines dump and an NMS-like CSV export."""

from heritage_weaver.demo.generate import DemoFiles, synthetic_pairs, write_demo_data

__all__ = ["DemoFiles", "synthetic_pairs", "write_demo_data", "create_demo_study"]


def create_demo_study(*args, **kwargs):
    """See `heritage_weaver.scaffold.create_demo_study`."""
    from heritage_weaver.scaffold import create_demo_study as create

    return create(*args, **kwargs)
