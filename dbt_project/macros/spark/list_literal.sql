{#- A list value from SQL expressions: DuckDB's `[a, b]`, Spark's `array(a, b)`. -#}
{% macro sqlscore_list(items) -%}
    {{ return(adapter.dispatch('sqlscore_list', 'sqlscore_dbt')(items)) }}
{%- endmacro %}

{% macro default__sqlscore_list(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{% macro spark__sqlscore_list(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}
