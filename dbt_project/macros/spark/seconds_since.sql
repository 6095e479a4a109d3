{#- Spark's seconds_since (see macros/seconds_since.sql): no epoch(), unix_micros() instead. -#}
{% macro spark__seconds_since(timestamp_expression) -%}
    ((unix_micros(current_timestamp) - unix_micros(cast({{ timestamp_expression }} as timestamp))) / 1e6)
{%- endmacro %}
