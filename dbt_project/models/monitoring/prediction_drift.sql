{#- The score's drift per monitored model, version, as-of date and segment: rows, null rate, mean
    score, the share of rows in each reference decile (the scoring table's decile column), and
    PSI and Jensen-Shannon distance of those shares against the version's hold-out decile shares
    (main.ml_reference_bins, kind 'score'). Incremental: a run (re)computes its own as-of date
    and any date of the scoring history not yet here (all of them on the first build), and keeps
    the others. -#}
{{ config(**sqlscore_monitoring_config(['model_name', 'as_of_date'])) }}
{%- set as_of = as_of_date() %}
{#- the string type in this warehouse's spelling (varchar, string) -#}
{%- set text_type = sqlscore_type_string() %}

{% for monitored in sqlscore_monitored_models() %}
{%- set model_name = monitored['model'] -%}
{%- set rows = ref(monitored['rows']) -%}
{% if not loop.first %}union all{% endif %}
select * from (
    with

    -- the scored dates come from the scoring table, so the view is read once, below
    dates as (
        {{ monitoring_dates_to_compute(ref(monitored['scores']), model_name) }}
    ),

    -- one pass over the rows of those dates: per combination of segment values (each entry of
    -- the segment list a plain column) and decile; they fan out to their segments on these few
    -- sums
    by_list as (
        select
            r.model_name, r.model_version, r.as_of_date, {{ segment_slots(monitored, 'r') }}, r.score_decile,
            count(*) as rows,
            count(*) filter (where r.score is not null and not isnan(r.score)) as present,
            sum(r.score) filter (where r.score is not null and not isnan(r.score)) as score_sum
        from {{ rows }} as r
        where r.as_of_date in (select as_of_date from dates)
        group by all
    ),

    fanned as (
        select b.model_name, b.model_version, b.as_of_date, s.segment_by, s.segment, b.score_decile,
               b.rows, b.present, b.score_sum
        from by_list as b
        {{ segment_fan_out(monitored, 'b') }}
    ),

    scored_groups as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            '__score__' as feature,
            cast(sum(rows) as bigint) as rows,
            cast(sum(present) as bigint) as present,
            case when sum(present) > 0 then sum(score_sum) / sum(present) end as mean_score
        from fanned
        group by all
    ),

    -- an as-of date with no rows still gets its row: rows 0, status no_data
    groups as (
        select * from scored_groups
        union all
        select
            '{{ model_name }}', {{ model_version(model_name) }}, {{ as_of }}, 'all', 'all', '__score__',
            0, 0, cast(null as double)
        where not exists (select 1 from scored_groups where as_of_date = {{ as_of }})
    ),

    counts as (
        select
            model_name, model_version, as_of_date, segment_by, segment, '__score__' as feature,
            cast(score_decile as {{ text_type }}) as bin_key, cast(sum(present) as bigint) as n
        from fanned
        where score_decile is not null and present > 0
        group by all
    ),

    decile_shares as (
        select
            groups.model_name, groups.model_version, groups.as_of_date, groups.segment_by, groups.segment,
            {{ sqlscore_ordered_list('coalesce(counts.n, 0) / groups.present', 'decile') }} as decile_shares
        from groups
        cross join range(1, 11) as deciles(decile)
        left join counts
            on counts.model_name = groups.model_name and counts.model_version = groups.model_version
           and counts.as_of_date = groups.as_of_date and counts.segment_by = groups.segment_by
           and counts.segment = groups.segment and counts.bin_key = cast(deciles.decile as {{ text_type }})
        where groups.present > 0
        group by all
    ),

    measured as (
        {{ drift_against_reference('groups', 'counts', model_name, ['score']) }}
    )

    select
        cast(measured.model_name as {{ text_type }}) as model_name,
        cast(measured.model_version as integer) as model_version,
        cast(measured.as_of_date as date) as as_of_date,
        cast(measured.segment_by as {{ text_type }}) as segment_by,
        cast(measured.segment as {{ text_type }}) as segment,
        cast(measured.rows as bigint) as rows,
        cast(case when measured.rows > 0 then (measured.rows - measured.present) / measured.rows end as double)
            as null_rate,
        cast(measured.mean_score as double) as mean_score,
        cast(measured.psi as double) as psi,
        cast(measured.js_distance as double) as js_distance,
        cast(decile_shares.decile_shares as {{ sqlscore_type_list('double') }}) as decile_shares,
        cast(case
            when measured.rows = 0 then 'no_data'
            when not measured.has_reference then 'no_reference'
            else coalesce({{ drift_status(model_name, 'psi', 'measured.psi') }}, 'no_data')
        end as {{ text_type }}) as status,
        cast({{ run_id() }} as {{ text_type }}) as run_id
    from measured
    left join decile_shares using (model_name, model_version, as_of_date, segment_by, segment)
)
{% endfor %}
