{#- An expression that stops the query with `message` (SQL text) when it is evaluated: DuckDB's
    error(), Spark's raise_error(). -#}
{% macro sqlscore_raise_error(message) -%}
    {{ return(adapter.dispatch('sqlscore_raise_error', 'sqlscore_dbt')(message)) }}
{%- endmacro %}

{% macro default__sqlscore_raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__sqlscore_raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}
