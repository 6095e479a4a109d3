"""MatMul and the ONNX-ML linear models: weighted sums of columns (``_weighted_sum``)."""
