{#- The element at a 1-based `position` of a list: DuckDB's `list[k]` counts from 1, Spark's
    `array[k]` from 0, its `element_at` from 1. -#}
{% macro sqlscore_list_element(list, position) -%}
    {{ return(adapter.dispatch('sqlscore_list_element', 'sqlscore_dbt')(list, position)) }}
{%- endmacro %}

{% macro default__sqlscore_list_element(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__sqlscore_list_element(list, position) -%}
    element_at({{ list }}, {{ position }})
{%- endmacro %}
