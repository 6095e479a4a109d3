{#- How well each monitored model version ranks and is calibrated, per as-of date and segment,
    against the card's hold-out AUC (main.ml_models.training_metrics):
      estimated  before labels arrive: AUC from the scores taken as calibrated probabilities
                 (NannyML's CBPE: expected TP and FP as running sums of p and 1 - p down the
                 scores, trapezoid over the expected ROC from (0, 0)), with the expected log
                 loss and Brier score the same way; computed for the run's as-of date and any
                 scored date not yet estimated, and kept.
      realised   once labels arrive: the share of (positive, negative) pairs the scores order
                 right, a tie counting one half (the Mann-Whitney form of the rank-based AUC:
                 sklearn's roc_auc_score), log loss (probabilities clipped to [eps, 1 - eps],
                 eps the double's machine epsilon, as sklearn's log_loss), Brier score and
                 calibration per reference decile; written when a date's labelled rows first
                 appear and rewritten when their count changes (late labels).
    One pass over the rows of the dates a run computes: each distinct score of a segment is
    one group (its rows, labelled rows and positives), and one running sum down the scores
    gives both AUCs; every other figure is a sum over those groups. The same trapezoid serves
    both: realised is the estimated one with the labels' counts in place of p and 1 - p, so ties
    are exact (integer counts) and no rank is ever materialised. The dates to compute are read
    first, in a query of their own, so the main query reads the view once, for those dates only.
    Incremental on (model_name, as_of_date, kind). -#}
{#- Built after feature_drift, itself after prediction_drift: the three monitoring models run one at a time,
    each with every DuckDB thread, so a run's memory peak is the largest one's, not their sum. -#}
-- depends_on: {{ ref('feature_drift') }}
{{ config(**sqlscore_monitoring_config(['model_name', 'as_of_date', 'kind'])) }}
{%- set as_of = as_of_date() %}
{#- the string type in this warehouse's spelling (varchar, string) -#}
{%- set text_type = sqlscore_type_string() %}
{%- set eps = '2.220446049250313e-16' %}
{%- set segment_keys = 'model_version, as_of_date, segment_by, segment' %}
{%- set calibration_type = sqlscore_type_list(sqlscore_type_struct([
    ('decile', 'integer'), ('rows', 'bigint'), ('predicted', 'double'), ('observed', 'double')])) %}

{% for monitored in sqlscore_monitored_models() %}
{%- set model_name = monitored['model'] -%}
{%- set rows = ref(monitored['rows']) -%}
{#- the dates this run computes, read before the query: the query below then reads the view
    once, for those dates only (a filter DuckDB pushes into the scoring table's scan), and
    streams it; read twice in one query (the label counts of every date, and the rows), the view
    was kept whole in memory for its second reader -#}
{%- set dates = {'estimated': [], 'realised': []} -%}
{#- (a compile with the labelled view not built yet, `dbt docs generate` or `dbt compile` on a new
    warehouse, has no dates to read) -#}
{%- if execute and load_relation(rows) is not none -%}
    {%- set found = run_query(
        "with labelled_counts as (select model_version, as_of_date, count(*) as rows, count(label) as rows_labelled "
        ~ "from " ~ rows ~ " group by all), "
        ~ "estimated_dates as (" ~ monitoring_dates_to_compute('labelled_counts', model_name, 'estimated') ~ "), "
        ~ "realised_dates as (" ~ monitoring_realised_dates('labelled_counts', model_name) ~ ") "
        ~ "select 'estimated', cast(as_of_date as " ~ text_type ~ ") from estimated_dates "
        ~ "union all select 'realised', cast(as_of_date as " ~ text_type ~ ") from realised_dates "
        ~ "order by 1, 2").rows -%}
    {%- for kind, day in found -%}
        {%- do _sqlscore_checked(day, '[0-9]{4}-[0-9]{2}-[0-9]{2}', 'as-of date') -%}
        {%- do dates[kind].append(day) -%}
    {%- endfor -%}
{%- endif %}
{% if not loop.first %}union all{% endif %}
select * from (
    with

    estimated_dates as (
        {{ monitoring_date_values(dates['estimated']) }}
    ),

    -- dates with labels whose realised figures are missing or were computed on other labels
    realised_dates as (
        {{ monitoring_date_values(dates['realised']) }}
    ),

    -- the one pass: per segment and distinct score (and its decile, a function of the score),
    -- the rows, the labelled rows among them and their positives
    by_score as (
        select
            r.model_version, r.as_of_date, s.segment_by, s.segment, r.score, r.score_decile,
            count(*) as tied,
            count(r.score) as scored,
            count(r.label) as labelled,
            cast(coalesce(sum(cast(r.label as integer)), 0) as bigint) as positives
        from {{ rows }} as r
        {{ sqlscore_fan_out('r.segments', 't', 's') }}
        where {{ monitoring_date_filter('r.as_of_date', dates['estimated'] + dates['realised']) }}
        group by all
    ),

    -- a number per segment: the running sums below partition on it alone (sorting on the
    -- segment's text, equal within a partition, costs more than the whole sum); numbered in the
    -- segments' order, so that a warehouse that computes this once per reader (Spark inlines
    -- CTEs) numbers them the same way each time
    segment_numbers as (
        select {{ segment_keys }}, row_number() over (order by {{ segment_keys }}) as segment_number
        from (select distinct {{ segment_keys }} from by_score)
    ),

    -- running sums down the scores (highest first) within each segment: expected positives
    -- (p times the rows) and labelled positives at or above each score; only the columns the
    -- sums below read go through the window (it sorts and keeps every one of them)
    curve as (
        select
            segment_numbers.segment_number, by_score.score, by_score.score_decile, by_score.tied,
            by_score.scored, by_score.labelled, by_score.positives,
            sum(by_score.scored * by_score.score) over running as running_expected_tp,
            sum(by_score.positives) over running as running_positives
        from by_score
        join segment_numbers using ({{ segment_keys }})
        window running as (
            partition by segment_numbers.segment_number
            order by by_score.score desc rows between unbounded preceding and current row
        )
    ),

    -- every figure but calibration, estimated and realised alike, in one aggregate of the curve
    numbered_sums as (
        select
            segment_number,
            sum(tied) as rows,
            sum(labelled) as rows_labelled,
            sum(positives) as positives,
            -- estimated: trapezoid of each step, expected FP added times the mean of the TP
            -- before and after
            sum(expected_fp * (running_expected_tp - expected_tp / 2)) as area,
            sum(expected_tp) as total_tp,
            sum(expected_fp) as total_fp,
            sum(scored * -(score * ln(clipped) + (1 - score) * ln(1 - clipped))) / nullif(sum(scored), 0) as expected_log_loss,
            sum(scored * score * (1 - score)) / nullif(sum(scored), 0) as expected_brier,
            -- realised: pairs ordered right, each negative against the positives above it, half
            -- the tied ones
            sum(negatives * (running_positives - positives / 2)) as pairs_right,
            sum(positives * -ln(clipped) + negatives * -ln(1 - clipped))
                / nullif(sum(labelled) filter (where score is not null), 0) as log_loss,
            sum(positives * (score - 1) * (score - 1) + negatives * score * score)
                / nullif(sum(labelled) filter (where score is not null), 0) as brier
        from (
            select
                *,
                -- NULL for a NULL score (greatest() would skip the NULL and give eps)
                case when score is not null then least(greatest(score, {{ eps }}), 1 - {{ eps }}) end as clipped,
                scored * score as expected_tp,
                scored * (1 - score) as expected_fp,
                labelled - positives as negatives
            from curve
        )
        group by all
    ),

    segment_sums as (
        select
            segment_numbers.{{ sqlscore_star_except(['segment_number']) }},
            numbered_sums.{{ sqlscore_star_except(['segment_number']) }}
        from numbered_sums
        join segment_numbers using (segment_number)
    ),

    -- ---- estimated (CBPE) ----
    estimated_groups as (
        select * from segment_sums where as_of_date in (select as_of_date from estimated_dates)
    ),

    -- an as-of date with no rows still gets its estimated row: rows 0, status no_data
    estimated as (
        select
            '{{ model_name }}' as model_name, model_version, as_of_date, segment_by, segment, 'estimated' as kind,
            rows, rows_labelled,
            case when total_tp > 0 and total_fp > 0 then area / (total_tp * total_fp) end as auc,
            case when total_tp > 0 and total_fp > 0 then null
                 when total_tp = 0 then 'every score is 0: no expected positive, the expected ROC is undefined'
                 else 'every score is 1: no expected negative, the expected ROC is undefined' end as auc_note,
            expected_log_loss as log_loss, expected_brier as brier,
            cast(null as {{ calibration_type }}) as calibration
        from estimated_groups
        union all
        select
            '{{ model_name }}', {{ model_version(model_name) }}, {{ as_of }}, 'all', 'all', 'estimated', 0, 0,
            null, 'no rows were scored at this as-of date', null, null, null
        where not exists (select 1 from estimated_groups where as_of_date = {{ as_of }})
    ),

    -- ---- realised (labels) ----
    realised_groups as (
        select * from segment_sums where as_of_date in (select as_of_date from realised_dates)
    ),

    -- from the curve's rows rather than by_score's, so the groups stream into the running sums
    -- once instead of being kept for a second reader
    calibration as (
        select
            {{ segment_keys }},
            {{ sqlscore_ordered_list(sqlscore_struct([('decile', 'score_decile'), ('rows', 'rows'),
                                                      ('predicted', 'predicted'), ('observed', 'observed')]),
                                     'score_decile') }} as calibration
        from (
            select
                segment_number, score_decile,
                sum(labelled) as rows,
                sum(labelled * score) / nullif(sum(labelled) filter (where score is not null), 0) as predicted,
                sum(positives) / sum(labelled) as observed
            from curve
            where labelled > 0
            group by all
        )
        join segment_numbers using (segment_number)
        where as_of_date in (select as_of_date from realised_dates)
        group by all
    ),

    realised as (
        select
            '{{ model_name }}' as model_name, model_version, as_of_date, segment_by, segment, 'realised' as kind,
            rows, rows_labelled,
            case when positives > 0 and positives < rows_labelled
                 then pairs_right / (positives * (rows_labelled - positives)) end as auc,
            case when rows_labelled = 0 then 'no labelled rows in this segment yet'
                 when positives = 0 then 'single class: every labelled row is negative (no positive), AUC is undefined'
                 when positives = rows_labelled
                     then 'single class: every labelled row is positive (no negative), AUC is undefined'
            end as auc_note,
            log_loss, brier,
            calibration.calibration
        from realised_groups
        left join calibration using ({{ segment_keys }})
    ),

    holdout as (
        select
            model_name, model_version,
            try_cast({{ sqlscore_json_field('training_metrics', 'holdout_roc_auc') }} as double) as holdout_auc
        from main.ml_models
        where model_name = '{{ model_name }}'
    ),

    final as (
        select performance.*, holdout.holdout_auc, holdout.holdout_auc - performance.auc as auc_drop
        from (select * from estimated union all select * from realised) as performance
        left join holdout using (model_name, model_version)
    )

    select
        cast(model_name as {{ text_type }}) as model_name,
        cast(model_version as integer) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(segment_by as {{ text_type }}) as segment_by,
        cast(segment as {{ text_type }}) as segment,
        cast(kind as {{ text_type }}) as kind,
        cast(rows as bigint) as rows,
        cast(rows_labelled as bigint) as rows_labelled,
        cast(auc as double) as auc,
        cast(auc_note as {{ text_type }}) as auc_note,
        cast(log_loss as double) as log_loss,
        cast(brier as double) as brier,
        cast(holdout_auc as double) as holdout_auc,
        cast(auc_drop as double) as auc_drop,
        cast(calibration as {{ calibration_type }}) as calibration,
        cast(case
            when auc is null then 'no_data'
            when holdout_auc is null then 'no_reference'
            else {{ drift_status(model_name, 'auc_drop', 'auc_drop') }}
        end as {{ text_type }}) as status,
        cast({{ run_id() }} as {{ text_type }}) as run_id
    from final
)
{% endfor %}
