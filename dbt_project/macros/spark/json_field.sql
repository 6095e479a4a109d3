{#- A top-level field of a JSON text column, as text: DuckDB's `->>`, Spark's get_json_object.
    `field` is a plain name of the project's (holdout_roc_auc, ...). -#}
{% macro sqlscore_json_field(column, field) -%}
    {{ return(adapter.dispatch('sqlscore_json_field', 'sqlscore_dbt')(column, field)) }}
{%- endmacro %}

{% macro default__sqlscore_json_field(column, field) -%}
    {{ column }} ->> '{{ field }}'
{%- endmacro %}

{% macro spark__sqlscore_json_field(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}
