"""CLI commands over the control lists (filled in with the importer and the index)."""

COMMANDS: list = []
