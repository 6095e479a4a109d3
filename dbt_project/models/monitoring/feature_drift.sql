{#- Each input's drift per monitored model, version, as-of date and segment: rows, null rate,
    and PSI and Jensen-Shannon distance of the run's bin shares against the version's training
    profile (main.ml_reference_bins). Features exist for the run's as-of date only (the
    intermediate models), so a run computes that date and keeps every earlier one. The model
    version is the one that scored each row; a feature the version's reference does not hold
    is named by status 'no_reference'. -#}
{{ config(unique_key=['model_name', 'as_of_date']) }}
{%- set as_of = as_of_date() %}

{% for monitored in sqlscore_monitored_models() %}
{%- set model_name = monitored['model'] -%}
{%- set rows = ref(monitored['rows']) -%}
{%- set features_model = ref(monitored['features']) -%}
{%- set scores_model = ref(monitored['scores']) -%}
{%- set key = monitored['key'] -%}
{%- do _sqlscore_checked(key, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'key column') -%}
{#- the features (name -> number or category) of the versions that scored the as-of date (the
    bound version when none did), and the reference edges of every version with bins -#}
{%- set features = {} -%}
{%- set edges = {} -%}
{%- if execute -%}
    {%- set versions = run_query("select distinct model_version from " ~ scores_model
                                 ~ " where as_of_date = " ~ as_of).columns[0].values() | list -%}
    {%- if versions | length == 0 -%}
        {%- set versions = [model_version(model_name) | trim | int] -%}
    {%- endif -%}
    {%- set listed = run_query(
        "select f.name, f.sql_type from (select model_version, unnest(feature_names) as name, "
        ~ "unnest(feature_sql_types) as sql_type, generate_subscripts(feature_names, 1) as position "
        ~ "from main.ml_models where model_name = '" ~ model_name ~ "' and model_version in ("
        ~ (versions | join(', ')) ~ ")) as f group by f.name, f.sql_type "
        ~ "order by min(f.model_version), min(f.position)").rows -%}
    {%- for name, sql_type in listed -%}
        {%- do _sqlscore_checked(name, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'feature name') -%}
        {%- do features.update({name: 'number' if sql_type == 'DOUBLE' else 'category'}) -%}
    {%- endfor -%}
    {%- set reference = run_query(
        "select feature, model_version, to_json(list(cast(lower_edge as varchar) order by bin) "
        ~ "filter (where lower_edge is not null)) from main.ml_reference_bins where model_name = '"
        ~ model_name ~ "' and kind = 'number' group by all order by all").rows -%}
    {%- for feature, version, edge_json in reference -%}
        {%- do _sqlscore_checked(version | string, '[1-9][0-9]{0,8}', 'model version') -%}
        {%- set checked = [] -%}
        {%- for edge in fromjson(edge_json) or [] -%}
            {%- do _sqlscore_checked(edge, '-?(inf|[0-9.]+(e[-+]?[0-9]+)?)', 'reference edge') -%}
            {%- do checked.append(edge) -%}
        {%- endfor -%}
        {%- do edges.setdefault(feature, {}).update({version: checked}) -%}
    {%- endfor -%}
{%- endif %}
{% if not loop.first %}union all{% endif %}
{%- if features | length == 0 %}
select
    cast(null as varchar) as model_name, cast(null as integer) as model_version, cast(null as date) as as_of_date,
    cast(null as varchar) as segment_by, cast(null as varchar) as segment, cast(null as varchar) as feature,
    cast(null as bigint) as rows, cast(null as double) as null_rate, cast(null as double) as psi,
    cast(null as double) as js_distance, cast(null as varchar) as status, cast(null as varchar) as run_id
where false
{%- else %}
select * from (
    with

    scored as (
        select
            r.model_name, r.model_version, r.segments,
            {%- for feature in features %}
            f.{{ adapter.quote(feature) }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ features_model }} as f
        join {{ rows }} as r
            on r.entity_id = f.{{ adapter.quote(key) }} and r.as_of_date = f.as_of_date
        where r.as_of_date = {{ as_of }}
    ),

    -- each row's bin keys, computed once per row before the rows fan out to their segments
    binned_rows as (
        select
            model_name, model_version, segments,
            {%- for feature, kind in features.items() %}
            {%- set column = 'scored.' ~ adapter.quote(feature) %}
            {%- if kind == 'number' %}
            {{ number_bin_key('cast(' ~ column ~ ' as double)', 'scored.model_version', edges.get(feature, {})) }}
            {%- else %}
            nullif(cast({{ column }} as varchar), '')
            {%- endif %} as {{ adapter.quote('f__' ~ feature) }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from scored
    ),

    binned as (
        select b.* exclude (segments), s.segment_by, s.segment
        from binned_rows as b
        cross join unnest(b.segments) as t(s)
    ),

    aggregated as (
        select
            model_name, model_version, segment_by, segment, count(*) as rows,
            {%- for feature in features %}
            {'histogram': histogram({{ adapter.quote('f__' ~ feature) }}),
             'present': count({{ adapter.quote('f__' ~ feature) }})} as {{ adapter.quote('f__' ~ feature) }}
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from binned
        group by all
    ),

    long as (
        unpivot aggregated
        on {% for feature in features %}{{ adapter.quote('f__' ~ feature) }}{% if not loop.last %}, {% endif %}{% endfor %}
        into name feature_column value facts
    ),

    scored_groups as (
        select
            model_name, model_version, {{ as_of }} as as_of_date, segment_by, segment,
            substr(feature_column, 4) as feature, rows, facts.present as present
        from long
    ),

    -- an as-of date with no rows still gets a row per feature: rows 0, status no_data
    groups as (
        select * from scored_groups
        union all
        select
            '{{ model_name }}', {{ model_version(model_name) }}, {{ as_of }}, 'all', 'all', feature, 0, 0
        from (values {% for feature in features %}('{{ feature }}'){% if not loop.last %}, {% endif %}{% endfor %}) as listed(feature)
        where not exists (select 1 from scored_groups)
    ),

    counts as (
        select
            model_name, model_version, {{ as_of }} as as_of_date, segment_by, segment,
            substr(feature_column, 4) as feature, entry.key as bin_key, entry.value as n
        from long
        cross join unnest(map_entries(long.facts.histogram)) as t(entry)
    ),

    measured as (
        {{ drift_against_reference('groups', 'counts', model_name, ['number', 'category']) }}
    )

    select
        cast(model_name as varchar) as model_name,
        cast(model_version as integer) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(segment_by as varchar) as segment_by,
        cast(segment as varchar) as segment,
        cast(feature as varchar) as feature,
        cast(rows as bigint) as rows,
        cast(case when rows > 0 then (rows - present) / rows end as double) as null_rate,
        cast(psi as double) as psi,
        cast(js_distance as double) as js_distance,
        cast(case
            when rows = 0 then 'no_data'
            when not has_reference then 'no_reference'
            else coalesce({{ drift_status(model_name, 'psi', 'psi') }}, 'no_data')
        end as varchar) as status,
        cast({{ run_id() }} as varchar) as run_id
    from measured
)
{%- endif %}
{% endfor %}
