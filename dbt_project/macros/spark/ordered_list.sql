{#- The aggregate list of `value` in `order_by` order: DuckDB's ordered aggregate `list(value
    order by key)`; Spark collects (key, value) pairs and sorts them by key (collect_list's own
    order is whatever the shuffle gave). Keys are distinct and not NULL where it is used. -#}
{% macro sqlscore_ordered_list(value, order_by) -%}
    {{ return(adapter.dispatch('sqlscore_ordered_list', 'sqlscore_dbt')(value, order_by)) }}
{%- endmacro %}

{% macro default__sqlscore_ordered_list(value, order_by) -%}
    list({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__sqlscore_ordered_list(value, order_by) -%}
    transform(array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ value }}))), e -> e.v)
{%- endmacro %}
