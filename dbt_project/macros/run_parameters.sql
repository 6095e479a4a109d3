{#-
  The two values a run passes in through --vars and every model splices into SQL: the as-of
  date and the run id. Each is checked here, once, against its exact shape before it becomes a
  literal: a --vars value is text from a command line, and text is how SQL gets injected.
-#}

{#- The as-of date as a SQL date literal: date 'YYYY-MM-DD'. -#}
{% macro as_of_date() %}
    {%- set value = var('as_of_date') | string -%}
    {%- if modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])', value) is none -%}
        {{ exceptions.raise_compiler_error(
            "sqlscore: as_of_date must be a date written YYYY-MM-DD, not " ~ (value | tojson)) }}
    {%- endif -%}
    date '{{ value }}'
{%- endmacro %}

{#- The run id as a SQL string literal: sqlscore's run uuid, or dbt's invocation id when dbt is
    run by hand. -#}
{% macro run_id() %}
    {%- set value = var('run_id', invocation_id) | string -%}
    {%- if modules.re.fullmatch('[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', value) is none -%}
        {{ exceptions.raise_compiler_error("sqlscore: run_id must be a uuid, not " ~ (value | tojson)) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}
