"""The machine core: memory, the run loop, decoding, the opcode table and
implementations, text, objects, dictionaries, random numbers."""
