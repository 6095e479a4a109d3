"""sqlscore: scikit-learn models as functions SQL can call, inside the warehouse.

The public names are imported on first use (PEP 562): ``import sqlscore`` stays cheap, so the
CLI answers ``--help`` without loading scikit-learn, onnxruntime or DuckDB.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlscore.errors import SqlscoreError
    from sqlscore.export import export_model
    from sqlscore.functions.connection import connect, registration_report
    from sqlscore.registry import ModelCard, Registry

_PUBLIC = {
    "ModelCard": "sqlscore.registry",
    "Registry": "sqlscore.registry",
    "SqlscoreError": "sqlscore.errors",
    "connect": "sqlscore.functions.connection",
    "export_model": "sqlscore.export",
    "registration_report": "sqlscore.functions.connection",
}

__all__ = ["ModelCard", "Registry", "SqlscoreError", "connect", "export_model", "registration_report"]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sqlscore' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
