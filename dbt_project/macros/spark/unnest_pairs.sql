{#- A FROM-clause item giving each row one row per position of two lists of the same length,
    `alias`.`key_name` and `alias`.`value_name` the two lists' elements there: DuckDB's lateral
    subquery unnesting both lists side by side, Spark's `lateral view inline(arrays_zip(...))`
    (which must follow the FROM clause's last join). -#}
{% macro sqlscore_unnest_pairs(keys, values, alias, key_name, value_name) -%}
    {{ return(adapter.dispatch('sqlscore_unnest_pairs', 'sqlscore_dbt')(keys, values, alias, key_name, value_name)) }}
{%- endmacro %}

{% macro default__sqlscore_unnest_pairs(keys, values, alias, key_name, value_name) -%}
    cross join lateral (select unnest({{ keys }}) as {{ key_name }}, unnest({{ values }}) as {{ value_name }}) as {{ alias }}
{%- endmacro %}

{% macro spark__sqlscore_unnest_pairs(keys, values, alias, key_name, value_name) -%}
    lateral view inline(arrays_zip({{ keys }}, {{ values }})) {{ alias }} as {{ key_name }}, {{ value_name }}
{%- endmacro %}
