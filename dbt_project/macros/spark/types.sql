{#- Column types whose names differ between warehouses. One dispatched macro per type: DuckDB
    takes `varchar` and `timestamp with time zone`; Spark SQL refuses a varchar without a length
    and has one timestamp type (session time zone, UTC in sqlscore's sessions). -#}
{% macro sqlscore_type_string() -%}
    {{ return(adapter.dispatch('sqlscore_type_string', 'sqlscore_dbt')()) }}
{%- endmacro %}

{% macro default__sqlscore_type_string() -%}
    varchar
{%- endmacro %}

{% macro spark__sqlscore_type_string() -%}
    string
{%- endmacro %}

{% macro sqlscore_type_timestamp_tz() -%}
    {{ return(adapter.dispatch('sqlscore_type_timestamp_tz', 'sqlscore_dbt')()) }}
{%- endmacro %}

{% macro default__sqlscore_type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__sqlscore_type_timestamp_tz() -%}
    timestamp
{%- endmacro %}
