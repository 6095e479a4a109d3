{#- How a scoring table keeps its history (see score_incrementally), per warehouse.

    DuckDB: delete+insert on (key, as_of_date), only new or changed rows scored, the keys that
    left the features removed by a post-hook. Spark's Parquet tables take no DELETE (only Delta,
    Iceberg or Hudi do, and sqlscore downloads none): each as-of date is a partition that a run
    overwrites whole (insert_overwrite, dynamic), so the run scores every row of its as-of date,
    departed keys vanish with the old partition, and the other dates' partitions are not touched;
    a frozen (past) date selects no rows and so overwrites no partition. -#}
{% macro sqlscore_scoring_config(key, features) -%}
    {{ return(adapter.dispatch('sqlscore_scoring_config', 'sqlscore_dbt')(key, features)) }}
{%- endmacro %}

{% macro default__sqlscore_scoring_config(key, features) -%}
    {{ return({
        'unique_key': [key, 'as_of_date'],
        'incremental_strategy': 'delete+insert',
        'post_hook': "{{ remove_departed_keys('" ~ key ~ "', ref('" ~ features ~ "')) }}",
    }) }}
{%- endmacro %}

{% macro spark__sqlscore_scoring_config(key, features) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['as_of_date'],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}

{#- SQL true when an already-scored row must be scored again although its features and model
    version are unchanged: never on DuckDB, always on Spark (its partition is rewritten whole). -#}
{% macro sqlscore_rescores_whole_date() -%}
    {{ return(adapter.dispatch('sqlscore_rescores_whole_date', 'sqlscore_dbt')()) }}
{%- endmacro %}

{% macro default__sqlscore_rescores_whole_date() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro spark__sqlscore_rescores_whole_date() -%}
    {{ return(true) }}
{%- endmacro %}
