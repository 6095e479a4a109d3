"""The ``sqlscore`` command line."""
