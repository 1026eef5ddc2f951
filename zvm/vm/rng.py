"""@random, generated exactly as Frotz does it (§2.4, and the facts in
shared/README.md), so that ``--seed N`` plays the same game as
``dfrotz -s N``.

Normal mode is a 32-bit linear congruential generator: A = A * 0x015A4E35 + 1
(mod 2**32), raw value (A >> 16) & 0x7FFF. ``@random -k`` with 0 < k < 1000
enters counting mode (raw values 0, 1, ..., k-1, 0, ...); -k with k >= 1000
reseeds with k; ``@random 0`` reseeds with the starting seed.
"""

from __future__ import annotations

import time


class FrotzRandom:
    def __init__(self, seed: int | None = None) -> None:
        self.seeded = seed is not None
        if seed is None:
            seed = int(time.time() * 1000) & 0xFFFFFFFF
        self.seed = seed & 0xFFFFFFFF
        self.reset()

    def state(self) -> bytes:
        """The generator's state as 12 bytes (A, interval, counter)."""
        return b"".join(x.to_bytes(4, "big") for x in (self.a, self.interval, self.counter))

    def set_state(self, data: bytes) -> None:
        if len(data) == 12:
            self.a, self.interval, self.counter = (
                int.from_bytes(data[i:i + 4], "big") for i in (0, 4, 8))

    def reset(self) -> None:
        """Back to the starting seed, as at start and at every restart."""
        self.a = self.seed
        self.interval = 0
        self.counter = 0

    def _raw(self) -> int:
        if self.interval:
            r = self.counter
            self.counter += 1
            if self.counter == self.interval:
                self.counter = 0
            return r
        self.a = (self.a * 0x015A4E35 + 1) & 0xFFFFFFFF
        return (self.a >> 16) & 0x7FFF

    def random(self, n: int) -> int:
        """The @random opcode with its signed operand n; the value to store."""
        if n > 0:
            return self._raw() % n + 1
        if n == 0:
            self.a = self.seed
            self.interval = 0
        else:
            k = -n
            if k < 1000:
                self.interval = k
                self.counter = 0
            else:
                self.a = k
                self.interval = 0
        return 0
