{#- The aggregate list of `value` in `order_by` order, over the rows where `condition` holds
    (every row when none): DuckDB's ordered aggregate `list(value order by key)`; Spark collects
    (key, value) pairs and sorts them by key (collect_list's own order is whatever the shuffle
    gave). Keys are distinct and not NULL where it is used. -#}
{% macro sqlscore_ordered_list(value, order_by, condition=none) -%}
    {{ return(adapter.dispatch('sqlscore_ordered_list', 'sqlscore_dbt')(value, order_by, condition)) }}
{%- endmacro %}

{% macro default__sqlscore_ordered_list(value, order_by, condition=none) -%}
    list({{ value }} order by {{ order_by }}){% if condition is not none %} filter (where {{ condition }}){% endif %}
{%- endmacro %}

{% macro spark__sqlscore_ordered_list(value, order_by, condition=none) -%}
    transform(array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ value }}))
        {%- if condition is not none %} filter (where {{ condition }}){% endif %}), e -> e.v)
{%- endmacro %}
