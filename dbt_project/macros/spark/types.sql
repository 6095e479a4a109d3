{#- Column types whose names differ between warehouses. One dispatched macro per type: DuckDB
    takes `varchar` and `timestamp with time zone`; Spark SQL refuses a varchar without a length
    and has one timestamp type (session time zone, UTC in sqlscore's sessions). -#}
{% macro sqlscore_type_string() -%}
    {{ return(adapter.dispatch('sqlscore_type_string', 'sqlscore_dbt')()) }}
{%- endmacro %}

{% macro default__sqlscore_type_string() -%}
    varchar
{%- endmacro %}

{% macro spark__sqlscore_type_string() -%}
    string
{%- endmacro %}

{% macro sqlscore_type_timestamp_tz() -%}
    {{ return(adapter.dispatch('sqlscore_type_timestamp_tz', 'sqlscore_dbt')()) }}
{%- endmacro %}

{% macro default__sqlscore_type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__sqlscore_type_timestamp_tz() -%}
    timestamp
{%- endmacro %}

{#- A list type of `element` (a type name): DuckDB's `element[]`, Spark's `array<element>`. -#}
{% macro sqlscore_type_list(element) -%}
    {{ return(adapter.dispatch('sqlscore_type_list', 'sqlscore_dbt')(element)) }}
{%- endmacro %}

{% macro default__sqlscore_type_list(element) -%}
    {{ element }}[]
{%- endmacro %}

{% macro spark__sqlscore_type_list(element) -%}
    array<{{ element }}>
{%- endmacro %}

{#- A struct type from (name, type) pairs: DuckDB's `struct(name type, ...)`, Spark's
    `struct<name:type, ...>`. -#}
{% macro sqlscore_type_struct(fields) -%}
    {{ return(adapter.dispatch('sqlscore_type_struct', 'sqlscore_dbt')(fields)) }}
{%- endmacro %}

{% macro default__sqlscore_type_struct(fields) -%}
    struct({% for name, type in fields %}{{ name }} {{ type }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro spark__sqlscore_type_struct(fields) -%}
    struct<{% for name, type in fields %}{{ name }}:{{ type }}{% if not loop.last %}, {% endif %}{% endfor %}>
{%- endmacro %}
