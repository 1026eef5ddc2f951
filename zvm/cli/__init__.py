"""The zvm command."""
