{#- Month boundaries crossed from `start_date` to `end_date` (2026-01-31 to 2026-02-01 is 1), what
    DuckDB's date_diff('month', ...) counts. Spark's datediff(MONTH, ...) counts whole months
    instead (0 there), so Spark computes the boundaries from year and month. -#}
{% macro sqlscore_months_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('sqlscore_months_between', 'sqlscore_dbt')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__sqlscore_months_between(start_date, end_date) -%}
    date_diff('month', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro spark__sqlscore_months_between(start_date, end_date) -%}
    ((year({{ end_date }}) - year({{ start_date }})) * 12 + month({{ end_date }}) - month({{ start_date }}))
{%- endmacro %}
