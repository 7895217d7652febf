"""The `opendtm` command: thin wrappers that call services and queries."""
