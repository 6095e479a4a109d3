from onnx import helper

from tests.compiler.ops.graphs import F, check, model_of


def test_linear_regressor_two_targets() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node(
                "LinearRegressor",
                ["x"],
                ["y"],
                domain="ai.onnx.ml",
                coefficients=[0.5, -0.25, 1.5, 2.0],
                intercepts=[0.1, -3.0],
                targets=2,
            ),
        ],
        [("b", F), ("c", F)],
        [("y", F)],
    )
    check(model, "y", relative=1e-6)  # float32 GEMM in onnxruntime: agreement to float32 precision
