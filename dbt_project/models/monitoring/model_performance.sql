{#- How well each monitored model version ranks and is calibrated, per as-of date and segment,
    against the card's hold-out AUC (main.ml_models.training_metrics):
      estimated  before labels arrive: AUC from the scores taken as calibrated probabilities
                 (NannyML's CBPE: expected TP and FP as running sums of p and 1 - p down the
                 scores, trapezoid over the expected ROC from (0, 0)), with the expected log
                 loss and Brier score the same way; computed for the run's as-of date and any
                 scored date not yet estimated, and kept.
      realised   once labels arrive: AUC from the average ranks of the labelled scores (ties
                 share their rank: sklearn's roc_auc_score), log loss (probabilities clipped to
                 [eps, 1 - eps], eps the double's machine epsilon, as sklearn's log_loss),
                 Brier score and calibration per reference decile; written when a date's
                 labelled rows first appear and rewritten when their count changes (late labels).
    Incremental on (model_name, as_of_date, kind). -#}
{{ config(unique_key=['model_name', 'as_of_date', 'kind']) }}
{%- set as_of = as_of_date() %}
{%- set eps = '2.220446049250313e-16' %}

{% for monitored in sqlscore_monitored_models() %}
{%- set model_name = monitored['model'] -%}
{%- set rows = ref(monitored['rows']) -%}
{% if not loop.first %}union all{% endif %}
select * from (
    with

    labelled_counts as (
        select model_name, model_version, as_of_date, count(*) as rows, count(label) as rows_labelled
        from {{ rows }}
        group by all
    ),

    estimated_dates as (
        select {{ as_of }} as as_of_date
        union
        select distinct as_of_date from {{ rows }}
        {%- if is_incremental() %}
        where as_of_date not in (
            select as_of_date from {{ this }} where model_name = '{{ model_name }}' and kind = 'estimated'
        )
        {%- endif %}
    ),

    -- dates with labels whose realised figures are missing or were computed on other labels
    realised_dates as (
        select distinct as_of_date from (
            select model_version, as_of_date, rows, rows_labelled from labelled_counts where rows_labelled > 0
            {%- if is_incremental() %}
            except
            select model_version, as_of_date, rows, rows_labelled from {{ this }}
            where model_name = '{{ model_name }}' and kind = 'realised' and segment_by = 'all'
            {%- endif %}
        )
    ),

    fanned as (
        select
            r.model_name, r.model_version, r.as_of_date, s.segment_by, s.segment, r.score, r.score_decile,
            cast(r.label as integer) as label,
            least(greatest(r.score, {{ eps }}), 1 - {{ eps }}) as clipped
        from {{ rows }} as r
        cross join unnest(r.segments) as t(s)
        where r.as_of_date in (select as_of_date from estimated_dates union select as_of_date from realised_dates)
    ),

    -- ---- estimated (CBPE) ----
    estimated_by_score as (
        select
            model_name, model_version, as_of_date, segment_by, segment, score,
            sum(score) as expected_tp, sum(1 - score) as expected_fp
        from fanned
        where as_of_date in (select as_of_date from estimated_dates)
        group by all
    ),

    estimated_curve as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            -- trapezoid of each step: expected FP added times the mean of the TP before and after
            sum(expected_fp * (running_tp - expected_tp / 2)) as area,
            max(running_tp) as total_tp,
            sum(expected_fp) as total_fp
        from (
            select *, sum(expected_tp) over (
                partition by model_name, model_version, as_of_date, segment_by, segment
                order by score desc rows between unbounded preceding and current row
            ) as running_tp
            from estimated_by_score
        )
        group by all
    ),

    estimated_groups as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            count(*) as rows,
            count(label) as rows_labelled,
            avg(-(score * ln(clipped) + (1 - score) * ln(1 - clipped))) as log_loss,
            avg(score * (1 - score)) as brier
        from fanned
        where as_of_date in (select as_of_date from estimated_dates)
        group by all
    ),

    -- an as-of date with no rows still gets its estimated row: rows 0, status no_data
    estimated as (
        select
            g.model_name, g.model_version, g.as_of_date, g.segment_by, g.segment, 'estimated' as kind,
            g.rows, g.rows_labelled,
            case when c.total_tp > 0 and c.total_fp > 0 then c.area / (c.total_tp * c.total_fp) end as auc,
            case when c.total_tp > 0 and c.total_fp > 0 then null
                 when c.total_tp = 0 then 'every score is 0: no expected positive, the expected ROC is undefined'
                 else 'every score is 1: no expected negative, the expected ROC is undefined' end as auc_note,
            g.log_loss, g.brier,
            cast(null as struct(decile integer, rows bigint, predicted double, observed double)[]) as calibration
        from estimated_groups as g
        join estimated_curve as c using (model_name, model_version, as_of_date, segment_by, segment)
        union all
        select
            '{{ model_name }}', {{ model_version(model_name) }}, {{ as_of }}, 'all', 'all', 'estimated', 0, 0,
            null, 'no rows were scored at this as-of date', null, null, null
        where not exists (select 1 from estimated_groups where as_of_date = {{ as_of }})
    ),

    -- ---- realised (labels) ----
    realised_by_score as (
        select
            model_name, model_version, as_of_date, segment_by, segment, score,
            count(*) as tied, sum(label) as positives
        from fanned
        where as_of_date in (select as_of_date from realised_dates) and label is not null
        group by all
    ),

    realised_ranks as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            -- the sum of the positives' ranks, each tie group at its average rank
            sum(positives * (rows_below + (tied + 1) / 2)) as positive_rank_sum
        from (
            select *, sum(tied) over (
                partition by model_name, model_version, as_of_date, segment_by, segment
                order by score rows between unbounded preceding and current row
            ) - tied as rows_below
            from realised_by_score
        )
        group by all
    ),

    calibration as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            list({'decile': score_decile, 'rows': rows, 'predicted': predicted, 'observed': observed}
                 order by score_decile) as calibration
        from (
            select
                model_name, model_version, as_of_date, segment_by, segment, score_decile,
                count(*) as rows, avg(score) as predicted, avg(label) as observed
            from fanned
            where as_of_date in (select as_of_date from realised_dates) and label is not null
            group by all
        )
        group by all
    ),

    realised_groups as (
        select
            model_name, model_version, as_of_date, segment_by, segment,
            count(*) as rows,
            count(label) as rows_labelled,
            coalesce(sum(label), 0) as positives,
            avg(-(label * ln(clipped) + (1 - label) * ln(1 - clipped))) as log_loss,
            avg((score - label) * (score - label)) as brier
        from fanned
        where as_of_date in (select as_of_date from realised_dates)
        group by all
    ),

    realised as (
        select
            g.model_name, g.model_version, g.as_of_date, g.segment_by, g.segment, 'realised' as kind,
            g.rows, g.rows_labelled,
            case when g.positives > 0 and g.positives < g.rows_labelled
                 then (r.positive_rank_sum - g.positives * (g.positives + 1) / 2)
                      / (g.positives * (g.rows_labelled - g.positives)) end as auc,
            case when g.rows_labelled = 0 then 'no labelled rows in this segment yet'
                 when g.positives = 0 then 'single class: every labelled row is negative (no positive), AUC is undefined'
                 when g.positives = g.rows_labelled
                     then 'single class: every labelled row is positive (no negative), AUC is undefined'
            end as auc_note,
            g.log_loss, g.brier, c.calibration
        from realised_groups as g
        left join realised_ranks as r using (model_name, model_version, as_of_date, segment_by, segment)
        left join calibration as c using (model_name, model_version, as_of_date, segment_by, segment)
    ),

    holdout as (
        select model_name, model_version, try_cast(training_metrics ->> 'holdout_roc_auc' as double) as holdout_auc
        from main.ml_models
        where model_name = '{{ model_name }}'
    ),

    final as (
        select performance.*, holdout.holdout_auc, holdout.holdout_auc - performance.auc as auc_drop
        from (select * from estimated union all select * from realised) as performance
        left join holdout using (model_name, model_version)
    )

    select
        cast(model_name as varchar) as model_name,
        cast(model_version as integer) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(segment_by as varchar) as segment_by,
        cast(segment as varchar) as segment,
        cast(kind as varchar) as kind,
        cast(rows as bigint) as rows,
        cast(rows_labelled as bigint) as rows_labelled,
        cast(auc as double) as auc,
        cast(auc_note as varchar) as auc_note,
        cast(log_loss as double) as log_loss,
        cast(brier as double) as brier,
        cast(holdout_auc as double) as holdout_auc,
        cast(auc_drop as double) as auc_drop,
        cast(calibration as struct(decile integer, rows bigint, predicted double, observed double)[]) as calibration,
        cast(case
            when auc is null then 'no_data'
            when holdout_auc is null then 'no_reference'
            else {{ drift_status(model_name, 'auc_drop', 'auc_drop') }}
        end as varchar) as status,
        cast({{ run_id() }} as varchar) as run_id
    from final
)
{% endfor %}
