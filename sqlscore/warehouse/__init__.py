"""The tables sqlscore owns in the warehouse: the registry mirror, the run log, publication."""
