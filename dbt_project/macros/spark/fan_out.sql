{#- A FROM-clause item giving each row one row per element of a list (`alias`.`column` the
    element): DuckDB's `cross join unnest(list) as alias(column)`, Spark's
    `lateral view explode(list) alias as column` (which must follow the FROM clause's last join). -#}
{% macro sqlscore_fan_out(list, alias, column) -%}
    {{ return(adapter.dispatch('sqlscore_fan_out', 'sqlscore_dbt')(list, alias, column)) }}
{%- endmacro %}

{% macro default__sqlscore_fan_out(list, alias, column) -%}
    cross join unnest({{ list }}) as {{ alias }}({{ column }})
{%- endmacro %}

{% macro spark__sqlscore_fan_out(list, alias, column) -%}
    lateral view explode({{ list }}) {{ alias }} as {{ column }}
{%- endmacro %}
