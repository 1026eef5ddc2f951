"""Operand counts checked when an instruction is decoded (§4.5, §15; issue
16 item 1): a count the opcode does not take is a ZMachineError naming the
opcode and the count, before any opcode implementation sees it."""

from __future__ import annotations

import pytest

from zvm.errors import ZMachineError
from zvm.vm.decoder import decode
from zvm.vm.optable import table


def _decode(code: str, version: int = 5):
    mem = bytearray(64) + bytes.fromhex(code) + bytes(16)
    return decode(mem, 64, table(version), version, lambda pc: ("", pc))


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6, 7, 8])
def test_every_opcode_has_a_count(version):
    for (kind, number), spec in table(version).items():
        assert 0 <= spec.least <= spec.most <= 8, (kind, number, spec)
        if kind in ("0OP", "1OP"):
            assert spec.least == spec.most == {"0OP": 0, "1OP": 1}[kind]


@pytest.mark.parametrize("code, message", [
    ("C1 7F 05 C0", "je given 1 operand (takes 2-4)"),        # §15: not permitted
    ("D5 7F 01", "sub given 1 operand (takes 2)"),
    ("C8 57 01 02 03 00", "or given 3 operands (takes 2)"),
    ("F3 FF", "output_stream given 0 operands (takes 1-2)"),
    ("E1 55 01 02 03 04", "storew given 4 operands (takes 3)"),
    ("BE 09 7F 05 00", "save_undo given 1 operand (takes 0)"),
])
def test_a_count_the_opcode_does_not_take_is_a_fatal_error(code, message):
    with pytest.raises(ZMachineError) as raised:
        _decode(code)
    assert str(raised.value).startswith(message)
    assert raised.value.pc == 64


@pytest.mark.parametrize("code, version, name", [
    ("C1 57 01 02 03 C0", 5, "je"),              # je a b c
    ("E4 7F 10 00", 5, "aread"),                 # @aread buf ix; in etude.z5
    ("F6 FF 00", 5, "read_char"),                # @read_char -> x; in random.z5
    ("E4 5F 10 20", 3, "sread"),
    ("EF 7F 01", 6, "set_cursor"),               # @set_cursor (-1); cursor off in v6
    ("DB 57 01 02 03", 6, "set_colour"),         # with the window of version 6
])
def test_the_counts_stories_use_decode(code, version, name):
    assert _decode(code, version).name == name
