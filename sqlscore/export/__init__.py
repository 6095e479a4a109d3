"""scikit-learn -> ONNX export with parity checks.

``export_model`` is imported on first use (PEP 562): the package's light modules (``frames``, the
feeds onnxruntime is given) are read by processes that score and never export, such as the
benchmark's timed workers, which would otherwise load scikit-learn and scipy for nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlscore.export.exporter import TARGET_OPSET, export_model

__all__ = ["TARGET_OPSET", "export_model"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'sqlscore.export' has no attribute {name!r}")
    value = getattr(import_module("sqlscore.export.exporter"), name)
    globals()[name] = value
    return value
