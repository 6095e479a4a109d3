"""The main job's steps: dbt build, gate, publish, in the order `sqlscore run` takes them."""
