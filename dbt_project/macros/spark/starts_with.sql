{#- SQL true when `text` begins with `prefix`: DuckDB's starts_with, Spark's startswith. -#}
{% macro sqlscore_starts_with(text, prefix) -%}
    {{ return(adapter.dispatch('sqlscore_starts_with', 'sqlscore_dbt')(text, prefix)) }}
{%- endmacro %}

{% macro default__sqlscore_starts_with(text, prefix) -%}
    starts_with({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro spark__sqlscore_starts_with(text, prefix) -%}
    startswith({{ text }}, {{ prefix }})
{%- endmacro %}
