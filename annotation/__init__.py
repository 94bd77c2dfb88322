"""Label Studio hand-off: the local server, blind projects and tasks, the study ledger, label pull."""
