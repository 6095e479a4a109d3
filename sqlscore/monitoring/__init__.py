"""Monitoring: how models behave once in production (champion against challenger, drift, the report).

The figures are SQL in the warehouse (dbt's ``models/monitoring/`` and the statements here); the
reference profiles they compare with are the registry's.
"""
