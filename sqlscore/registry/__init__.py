"""The versioned model registry in ``models_onnx/``."""

from sqlscore.registry.card import Feature, ModelCard, Output
from sqlscore.registry.store import CHALLENGER, CHAMPION, Problem, Registry

__all__ = ["CHALLENGER", "CHAMPION", "Feature", "ModelCard", "Output", "Problem", "Registry"]
