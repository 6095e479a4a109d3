"""``sqlscore bench``: side-by-side throughput and memory of the scoring paths."""
