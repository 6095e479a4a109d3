"""sqlscore: scikit-learn models as functions SQL can call, inside the warehouse."""

from sqlscore.errors import SqlscoreError
from sqlscore.export import export_model
from sqlscore.registry import ModelCard, Registry

__all__ = ["ModelCard", "Registry", "SqlscoreError", "export_model"]
