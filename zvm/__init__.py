"""zvm: a Z-machine interpreter (Z-Machine Standard 1.1) in Python."""

__version__ = "0.1.0"
