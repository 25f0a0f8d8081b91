"""BATCH_MATMUL cases: ranks 2-5, broadcast batch dimensions, adjoint flags, constant operands, int32 output.

Shapes: each operand of rank 2-5 (the shorter padded with leading ones), every batch dimension
1-3 or 1 on one side (broadcast), rows/depth/columns 1-6 (sometimes a long depth of 200-4096,
or 34000-40000 where 255 * 255 products overflow the int32 accumulator), ``adj_x`` and ``adj_y``
independently, and no, the lhs or the rhs operand constant.

* quantizer: a float product of normal data (one random spread and offset per operand)
  quantized from three calibration samples; a constant operand comes out symmetric per tensor.
* direct: chosen scales (power-of-two scales in a share of cases: exact multipliers, frequent
  rounding ties), multipliers ``float(lhs_scale * rhs_scale) / output_scale`` of 2**-14..2 or
  extreme (2**-40..2**40: shifts below -31 flush the multiplier to zero, shifts beyond 31 are
  applied mod 32 by LiteRT's x86-64 build), zero points anywhere, often at the range ends.
* direct int32 output (a share of direct cases): the reference's raw ``int8 x int8 -> int32``
  product, which ignores every zero point.

No known reference defects: LiteRT's reference computes the multiplier from the float32 scale
product, tinyq does the same (TFLite Micro uses a double product and differs by one step on rare
cases; it also refuses the int32-output form).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, integer_data, log2_scale, model_inputs, quantized, zero_points

OP = "BATCH_MATMUL"
DTYPES = ("int8",)
ROLES = ("lhs", "rhs")


@st.composite
def _shapes(draw: st.DrawFn) -> dict:
    lhs_rank, rhs_rank = draw(st.integers(2, 5), label="lhs rank"), draw(st.integers(2, 5), label="rhs rank")
    batch = [draw(st.integers(1, 3), label="batch dimension") for _ in range(max(lhs_rank, rhs_rank) - 2)]

    def batch_dims(rank: int) -> list[int]:
        dims = batch[len(batch) - (rank - 2):] if rank > 2 else []
        return [d if draw(st.booleans(), label="keep batch dimension") else 1 for d in dims]

    lhs_batch, rhs_batch = batch_dims(lhs_rank), batch_dims(rhs_rank)
    rows, columns = draw(st.integers(1, 6), label="rows"), draw(st.integers(1, 6), label="columns")
    depth_kind = draw(st.sampled_from(["short"] * 8 + ["long", "overflow"]), label="depth kind")
    if depth_kind == "short":
        depth = draw(st.integers(1, 6), label="depth")
    else:
        # Few rows and columns, no batch: keep long products small models.
        rows, columns, lhs_batch, rhs_batch = min(rows, 2), min(columns, 2), [], []
        depth = draw(st.integers(200, 4096) if depth_kind == "long" else st.integers(34000, 40000), label="depth")
    adj_x, adj_y = draw(st.booleans(), label="adj_x"), draw(st.booleans(), label="adj_y")
    lhs = lhs_batch + ([depth, rows] if adj_x else [rows, depth])
    rhs = rhs_batch + ([columns, depth] if adj_y else [depth, columns])
    rank = max(len(lhs), len(rhs))
    padded = [[1] * (rank - len(shape)) + shape[:-2] for shape in (lhs, rhs)]
    output = [max(a, b) for a, b in zip(*padded)] + [rows, columns]
    return {"lhs_shape": lhs, "rhs_shape": rhs, "output_shape": output, "adj_x": adj_x, "adj_y": adj_y,
            "depth_kind": depth_kind, "constant": draw(st.sampled_from(["none", "none", "rhs", "lhs"]),
                                                       label="constant operand")}


def _quantizer_model(draw: st.DrawFn, shapes: dict, options: dict) -> tuple[bytes, dict]:
    seed = draw(st.integers(0, 2**32 - 1), label="data and calibration seed")
    rng = np.random.default_rng(seed)
    spreads, offsets = rng.uniform(0.05, 3.0, size=2), rng.uniform(-1.0, 1.0, size=2)

    def sample(i: int) -> np.ndarray:
        return rng.normal(offsets[i], spreads[i], size=shapes[f"{ROLES[i]}_shape"]).astype(np.float32)

    constants = {i: sample(i) for i in range(2) if shapes["constant"] == ROLES[i]}
    calibration = [[sample(i) for i in range(2) if i not in constants] for _ in range(3)]

    def build(builder: GraphBuilder) -> None:
        operands = [builder.constant(constants[i], ROLES[i]) if i in constants
                    else builder.input(shapes[f"{ROLES[i]}_shape"], ROLES[i]) for i in range(2)]
        builder.output(builder.op(OP, operands, shapes["output_shape"], options, name="output"))

    return quantized(build, calibration), {"origin": "quantizer", "seed": seed, "spreads": spreads.tolist(),
                                           "offsets": offsets.tolist()}


def _direct_model(draw: st.DrawFn, shapes: dict, options: dict) -> tuple[bytes, dict]:
    int32_output = draw(st.integers(0, 4), label="int32 output") == 0
    ties = draw(st.booleans(), label="power-of-two scales")
    scales = [log2_scale(draw, -14, 4, ties, f"log2 {role} scale") for role in ROLES]
    zps = [draw(zero_points("int8", extreme=draw(st.booleans())), label=f"{role} zero point") for role in ROLES]
    extreme = draw(st.integers(0, 3), label="extreme multiplier") == 0
    multiplier = log2_scale(draw, *((-40, 40) if extreme else (-14, 1)), ties, "log2 multiplier")
    output_scale = float(np.float32(np.float32(scales[0]) * np.float32(scales[1]) / multiplier))
    output_zero_point = draw(zero_points("int8", extreme=draw(st.booleans())), label="output zero point")
    builder = GraphBuilder()
    operands = []
    for role, scale, zero_point in zip(ROLES, scales, zps):
        quantization = QuantParams(scale, zero_point)
        if shapes["constant"] == role:
            values = draw(integer_data(shapes[f"{role}_shape"], "int8", zero_point), label=f"{role} values")
            operands.append(builder.constant(values, role, quantization))
        else:
            operands.append(builder.input(shapes[f"{role}_shape"], role, np.int8, quantization))
    if int32_output:
        output = builder.op(OP, operands, shapes["output_shape"], options, np.int32, "output")
    else:
        output = builder.op(OP, operands, shapes["output_shape"], options, np.int8, "output",
                            output_quantization=QuantParams(output_scale, output_zero_point))
    builder.output(output)
    made = {"origin": "direct", "output_dtype": "int32" if int32_output else "int8", "ties": ties,
            "lhs_scale": scales[0], "lhs_zero_point": zps[0], "rhs_scale": scales[1], "rhs_zero_point": zps[1]}
    if not int32_output:
        made.update(output_scale=output_scale, output_zero_point=output_zero_point,
                    log2_multiplier=float(np.log2(multiplier)))
    return builder.build(), made


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shapes = draw(_shapes(), label="shapes")
    options = {"adj_x": shapes["adj_x"], "adj_y": shapes["adj_y"]}
    params = dict(shapes)
    if draw(st.booleans(), label="quantizer-made"):
        model, made = _quantizer_model(draw, shapes, options)
    else:
        model, made = _direct_model(draw, shapes, options)
    params.update(made)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """BATCH_MATMUL models with their inputs."""
    return _case(dtype)
