"""The Spark target (``--target spark``): the same dbt project, functions and publication on Spark.

- :mod:`.session`: the one Spark session of a command (Java and master checked, Parquet warehouse,
  Derby metastore), started before dbt so dbt-spark's session method runs inside it;
- :mod:`.functions`: every declared model function registered in it (engine sql as a Spark SQL
  function, engine onnx as :mod:`.onnx_udf`'s Arrow-batched UDF) and ``main.ml_functions``;
- :mod:`.demo_tables`: the demo's raw tables copied from DuckDB through Parquet;
- :mod:`.dbt_build`, :mod:`.pipeline`: ``sqlscore run --target spark``;
- :mod:`.publish`: versioned tables behind the ``published`` views;
- :mod:`.cluster`: a standalone master and workers on 127.0.0.1, for tests and benchmarks.
"""
