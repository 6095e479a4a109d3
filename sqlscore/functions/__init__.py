"""Warehouse functions: declarations in ``udfs/`` and the engines behind them."""

from sqlscore.functions.declarations import FunctionDeclaration, load_declarations
from sqlscore.functions.registration import RegistrationReport, register_functions

__all__ = ["FunctionDeclaration", "RegistrationReport", "load_declarations", "register_functions"]
