"""zvm as a library: Game, isolated games."""
