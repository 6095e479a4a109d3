"""sqlscore: scikit-learn models as functions SQL can call, inside the warehouse."""

from sqlscore.connection import connect, registration_report
from sqlscore.errors import SqlscoreError
from sqlscore.export import export_model
from sqlscore.registry import ModelCard, Registry

__all__ = [
    "ModelCard",
    "Registry",
    "SqlscoreError",
    "connect",
    "export_model",
    "registration_report",
]
