"""The gate: Great Expectations suites that candidate prediction tables must pass."""

from sqlscore.gate.isolated import validate_tables
from sqlscore.gate.suites import Failure, TableVerdict

__all__ = ["Failure", "TableVerdict", "validate_tables"]
