"""One module per command: plain functions the CLI calls, returning data, never printing."""
