{#- The elements of an array column joined into one string: DuckDB's array_to_string, Spark's
    array_join (the catalog lookups of predict.sql read feature names and decile edges so). -#}
{% macro sqlscore_array_join(column, separator) -%}
    {{ return(adapter.dispatch('sqlscore_array_join', 'sqlscore_dbt')(column, separator)) }}
{%- endmacro %}

{% macro default__sqlscore_array_join(column, separator) -%}
    array_to_string({{ column }}, {{ separator }})
{%- endmacro %}

{% macro spark__sqlscore_array_join(column, separator) -%}
    array_join({{ column }}, {{ separator }})
{%- endmacro %}
