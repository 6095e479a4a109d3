{#- Where each node is built, by target.
    Production targets (var('sqlscore_production_targets'): duckdb, spark) use the custom schemas
    as they are (staging, intermediate, scoring, candidate...): analysts and the package read
    scoring.churn_scores and published.*, not main_scoring.churn_scores. Every other target (dev,
    CI) prefixes them with its own schema (dev_scoring.churn_scores), so a build from a laptop or
    a CI job never writes a table production reads, even in the same warehouse file. A node with
    no custom schema goes to the target's schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set production_targets = var('sqlscore_production_targets') -%}
    {%- if production_targets is string -%}
        {%- set production_targets = [production_targets] -%}
    {%- endif -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name in production_targets -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
