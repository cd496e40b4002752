"""What an SDC costs (spacemimo.hw.seu_cost): the golden op loop it resumes from a cached
state equals golden.run, a weight / bias upset changes exactly the word it names, an
activation upset changes one stored word by one bit; the end-to-end WSR table on a trained
precoder is ``spacemimo bench seu`` (slow: test_seu_cost_table_trained)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from spacemimo.hw import seu_cost
from spacemimo.quant import golden
from spacemimo.quant.random_programs import random_inputs, small_gsm_program


@pytest.fixture(scope="module")
def prog_x() -> tuple:
    prog = small_gsm_program(bits=8, seed=3)
    x = random_inputs(8, (6, prog.in_rows, prog.in_cols), np.random.default_rng(0))
    return prog, x


def test_resume_from_any_op_equals_golden(prog_x: tuple) -> None:
    prog, x = prog_x
    want = golden.run(prog, x)
    states = seu_cost.op_states(prog, x)
    for i in range(len(prog.ops)):
        assert np.array_equal(seu_cost.run_ops(prog, states[i].astype(np.int64), i), want)


def test_weight_and_bias_flips_change_one_value_by_a_power_of_two(prog_x: tuple) -> None:
    prog, _ = prog_x
    rng = random.Random(1)
    dense = [op for op in prog.ops if op.opcode == 1 and op.has_bias]
    for op in dense:
        for _ in range(20):
            p, where = seu_cost._flip_weight(prog, op, rng)
            d = p.weights(op) - prog.weights(op)
            nz = np.argwhere(d)
            assert len(nz) == 1, where
            bit = int(where.split("bit ")[1])
            assert abs(int(d[tuple(nz[0])])) in (1 << bit, 256 - (1 << bit)) or bit == 7
            p, where = seu_cost._flip_bias(prog, op, rng)
            db = p.bias(op) - prog.bias(op)
            assert np.count_nonzero(db) == 1, where
    assert np.array_equal(prog.data, small_gsm_program(bits=8, seed=3).data)  # copies only


def test_activation_flip_changes_one_word_one_bit(prog_x: tuple) -> None:
    prog, x = prog_x
    rng = random.Random(2)
    for i in range(len(prog.ops)):
        note: list[str] = []
        hook = seu_cost._act_flipper(prog, i, rng, note)
        outs: list[np.ndarray] = []

        def record(j: int, o: object, out: np.ndarray, i: int = i, hook: object = hook,
                   outs: list[np.ndarray] = outs) -> None:
            if j == i:
                before = out.copy()
                hook(j, o, out)  # type: ignore[operator]
                outs.extend([before, out.copy()])

        seu_cost.run_ops(prog, seu_cost.op_states(prog, x[:1])[i].astype(np.int64), i, record)
        before, after = outs
        diff = np.argwhere(before != after)
        assert len(diff) == 1 and note
        a, b = int(before[tuple(diff[0])]), int(after[tuple(diff[0])])
        assert bin((a ^ b) & 0xFF).count("1") == 1
