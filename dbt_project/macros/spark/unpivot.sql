{#- A query of `relation`'s rows with `columns` (quoted names, all of one type) turned into rows:
    the other columns, `name_column` (the column's name) and `value_column` (its value). DuckDB's
    `unpivot ... on ... into name ... value ...`, Spark's `unpivot (value for name in (...))`. -#}
{% macro sqlscore_unpivot(relation, columns, name_column, value_column) -%}
    {{ return(adapter.dispatch('sqlscore_unpivot', 'sqlscore_dbt')(relation, columns, name_column, value_column)) }}
{%- endmacro %}

{% macro default__sqlscore_unpivot(relation, columns, name_column, value_column) -%}
    unpivot {{ relation }}
    on {{ columns | join(', ') }}
    into name {{ name_column }} value {{ value_column }}
{%- endmacro %}

{% macro spark__sqlscore_unpivot(relation, columns, name_column, value_column) -%}
    select * from {{ relation }}
    unpivot ({{ value_column }} for {{ name_column }} in ({{ columns | join(', ') }}))
{%- endmacro %}
