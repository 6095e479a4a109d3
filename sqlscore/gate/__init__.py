"""The gate: Great Expectations suites that candidate prediction tables must pass."""

from sqlscore.gate.gx_run import Failure, TableVerdict
from sqlscore.gate.validate import GateProcess, validate_tables

__all__ = ["Failure", "GateProcess", "TableVerdict", "validate_tables"]
