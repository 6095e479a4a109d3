"""The gate: Great Expectations suites that candidate prediction tables must pass."""

from sqlscore.gate.gx_run import Failure, TableVerdict
from sqlscore.gate.validate import validate_tables

__all__ = ["Failure", "TableVerdict", "validate_tables"]
