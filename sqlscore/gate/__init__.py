"""The gate: Great Expectations suites that candidate prediction tables must pass."""

from sqlscore.gate.suites import Failure, TableVerdict, validate_tables

__all__ = ["Failure", "TableVerdict", "validate_tables"]
