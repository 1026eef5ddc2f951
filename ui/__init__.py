"""Frontends that show a running story: ``headless`` (dfrotz-style text) and ``terminal``."""
