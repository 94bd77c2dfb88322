"""The `hw` command line: typer verbs over the stages, and the only code that prints."""
