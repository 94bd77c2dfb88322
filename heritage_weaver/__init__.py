"""Heritage Weaver core: study config, workspace, records, ingest and the CLI."""

__version__ = "0.1.0"
