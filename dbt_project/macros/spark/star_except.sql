{#- Every column but `columns` (a list of names): DuckDB's `* exclude (...)`, Spark's
    `* except (...)`. -#}
{% macro sqlscore_star_except(columns) -%}
    {{ return(adapter.dispatch('sqlscore_star_except', 'sqlscore_dbt')(columns)) }}
{%- endmacro %}

{% macro default__sqlscore_star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__sqlscore_star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}
