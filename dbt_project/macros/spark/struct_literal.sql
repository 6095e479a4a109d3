{#- A struct value from (name, SQL expression) pairs: DuckDB's `{'name': value, ...}`, Spark's
    `named_struct('name', value, ...)`. Names are the project's own (segment_by, decile, ...). -#}
{% macro sqlscore_struct(fields) -%}
    {{ return(adapter.dispatch('sqlscore_struct', 'sqlscore_dbt')(fields)) }}
{%- endmacro %}

{% macro default__sqlscore_struct(fields) -%}
    { {%- for name, value in fields %}'{{ name }}': {{ value }}{% if not loop.last %}, {% endif %}{% endfor -%} }
{%- endmacro %}

{% macro spark__sqlscore_struct(fields) -%}
    named_struct({%- for name, value in fields %}'{{ name }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor -%})
{%- endmacro %}
