{#- Custom schemas are used as they are (staging, intermediate, scoring, marts), not prefixed
    with the target schema: analysts query scoring.churn_scores, not main_scoring.churn_scores. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
