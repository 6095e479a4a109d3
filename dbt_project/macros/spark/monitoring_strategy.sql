{#- How a monitoring table keeps its rows, per warehouse: the config of an incremental monitoring
    model whose rows are replaced per `keys` (model_name, as_of_date[, kind]).

    DuckDB: delete+insert on the keys (the folder's strategy). Spark's Parquet tables take no
    DELETE: the keys are the table's partitions, and a run overwrites the partitions its rows
    fall in (insert_overwrite, dynamic), leaving every other one as it was. -#}
{% macro sqlscore_monitoring_config(keys) -%}
    {{ return(adapter.dispatch('sqlscore_monitoring_config', 'sqlscore_dbt')(keys)) }}
{%- endmacro %}

{% macro default__sqlscore_monitoring_config(keys) -%}
    {{ return({'unique_key': keys}) }}
{%- endmacro %}

{% macro spark__sqlscore_monitoring_config(keys) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': keys, 'file_format': 'parquet'}) }}
{%- endmacro %}
