{#-
  dbt's source freshness, checked inside `dbt build`: the newest `loaded_at_field` of the source
  table against the `freshness` declared for it (the same declaration `dbt source freshness`
  reads, so the two never disagree). Run in the build, a stale source stops the models built on
  it like any failed test, and the scheduled run is blocked before anything is scored instead of
  publishing last week's features under today's date.
  One row when the table is late, naming it as loaded (schema.table), with its level: 'warn'
  past warn_after (the run publishes and records it), 'error' past error_after or when no row
  carries a load time (the run is blocked).
  The fail_calc counts an error as a million, as in inputs_match_training_profile.
-#}
{% test loaded_as_fresh_as_declared(model) %}
{{ config(
    store_failures=true,
    fail_calc="coalesce(sum(case when level = 'error' then 1000000 else 1 end), 0)",
    warn_if=">0",
    error_if=">=1000000",
) }}
{%- set declared = none -%}
{%- if execute -%}
    {%- set matches = graph.sources.values() | selectattr('schema', 'equalto', model.schema)
                      | selectattr('identifier', 'equalto', model.identifier) | list -%}
    {%- if matches | length != 1 or not matches[0].loaded_at_field or not matches[0].freshness -%}
        {{ exceptions.raise_compiler_error(
            "sqlscore: loaded_as_fresh_as_declared applies to a source table with loaded_at_field and "
            ~ "freshness declared; " ~ model ~ " has none") }}
    {%- endif -%}
    {%- set declared = matches[0] -%}
{%- endif -%}
{%- if declared is none %}
select cast(null as varchar) as source_table, cast(null as varchar) as level,
       cast(null as varchar) as description
where false
{%- else -%}
{#- named by the table the loader writes (raw.usage_events), which is what an operator fixes,
    not by the dbt source that declares it (telecom.usage_events) -#}
{%- set name = declared.schema ~ '.' ~ declared.identifier -%}
{%- set seconds = {'minute': 60, 'hour': 3600, 'day': 86400} -%}
{%- set limits = {} -%}
{%- for level in ['warn', 'error'] -%}
    {%- set after = declared.freshness[level ~ '_after'] -%}
    {%- if after and after.count -%}
        {%- do limits.update({level: {'seconds': after.count * seconds[after.period],
                                      'text': after.count ~ ' ' ~ after.period ~ ('s' if after.count != 1 else '')}}) -%}
    {%- endif -%}
{%- endfor %}

with

last_load as (
    select max({{ declared.loaded_at_field }}) as last_loaded_at
    from {{ model }}
    {%- if declared.freshness.filter %}
    where {{ declared.freshness.filter }}
    {%- endif %}
),

aged as (
    select
        last_loaded_at,
        {{ seconds_since('last_loaded_at') }} as seconds_since_load
    from last_load
),

levelled as (
    select
        *,
        case
            when last_loaded_at is null then 'error'
            {%- if 'error' in limits %}
            when seconds_since_load > {{ limits['error']['seconds'] }} then 'error'
            {%- endif %}
            {%- if 'warn' in limits %}
            when seconds_since_load > {{ limits['warn']['seconds'] }} then 'warn'
            {%- endif %}
        end as level
    from aged
)

select
    '{{ name }}' as source_table,
    level,
    case
        when last_loaded_at is null
            then '{{ name }}: no row carries a load time ({{ declared.loaded_at_field }}): nothing was loaded'
        else '{{ name }}: last loaded ' || cast(round(seconds_since_load / 3600.0, 1) as varchar)
             || ' hours ago, at ' || cast(last_loaded_at as varchar) || ' ('
             || '{{ "warn after " ~ limits["warn"]["text"] if "warn" in limits else "" }}'
             || '{{ ", " if "warn" in limits and "error" in limits else "" }}'
             || '{{ "error after " ~ limits["error"]["text"] if "error" in limits else "" }})'
    end as description
from levelled
where level is not null
{%- endif %}
{% endtest %}
