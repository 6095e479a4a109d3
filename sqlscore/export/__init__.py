"""scikit-learn -> ONNX export with parity checks."""

from sqlscore.export.exporter import TARGET_OPSET, export_model

__all__ = ["TARGET_OPSET", "export_model"]
