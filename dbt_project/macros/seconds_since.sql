{#- Seconds from a timestamp to now, as a double. One macro per warehouse difference. -#}
{% macro seconds_since(timestamp_expression) -%}
    {{ return(adapter.dispatch('seconds_since', 'sqlscore_dbt')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__seconds_since(timestamp_expression) -%}
    (epoch(current_timestamp) - epoch({{ timestamp_expression }}))
{%- endmacro %}
