{#- avg(value) over the rows where `condition` holds, added in `order_by` order. DuckDB: an
    ordered aggregate, so a parallel plan cannot change the last bit of a feature (and its
    feature_hash). Spark SQL has no ordered avg; its plain avg may differ in the last bits between
    plans (far below the 1e-9 the parity tests hold scores to), and on Spark a run rescores its
    as-of date whole, so feature_hash decides nothing there. -#}
{% macro sqlscore_ordered_avg(value, order_by, condition) -%}
    {{ return(adapter.dispatch('sqlscore_ordered_avg', 'sqlscore_dbt')(value, order_by, condition)) }}
{%- endmacro %}

{% macro default__sqlscore_ordered_avg(value, order_by, condition) -%}
    avg({{ value }} order by {{ order_by }}) filter (where {{ condition }})
{%- endmacro %}

{% macro spark__sqlscore_ordered_avg(value, order_by, condition) -%}
    avg({{ value }}) filter (where {{ condition }})
{%- endmacro %}
