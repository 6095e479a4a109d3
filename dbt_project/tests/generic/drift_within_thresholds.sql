{#-
  The drift gate: a monitoring table (models/monitoring) judged against var('sqlscore_drift_thresholds')
  (drift_thresholds(): psi and auc_drop, {warn, block}, a model's own overrides under `models:`),
  for the version each monitored model is bound to now (predict(<model>), the champion the run
  publishes). One row per figure past a threshold, naming model, version, as-of date, segment,
  feature ('score' for the score), metric, value, the threshold it crossed (threshold_crossed:
  warn or block) and level ('error' blocks the run, 'warn' is recorded). `measures` says which
  table it judges (whichever model it is declared on: the project declares all three on
  model_performance, the last monitoring model built, so that no block skips another's build):

    features     feature_drift at the run's as-of date: each input's PSI
    score        prediction_drift at the run's as-of date: the score's PSI
    performance  model_performance: the realised AUC drop of the most recent as-of date (up to
                 the run's) whose labels gave the bound version an AUC, so a version whose
                 realised AUC fell past the block threshold stays blocked run after run until
                 another version is promoted or the threshold is raised; and the estimated AUC
                 drop at the run's as-of date, which only warns (CBPE assumes calibrated scores;
                 labels decide)

  What blocks: the whole population (segment_by 'all') past `block`. What warns: the population
  past `warn`, and a segment's realised AUC drop past `block` (a segment is a few thousand rows
  at most: its AUC is noisy, so it never blocks the population's scores; past warn alone it is
  left to the monitoring tables and the report). A segment's PSI is not judged: the reference
  bins are the whole training population's, so a segment differs from them by construction (a
  region's customers are not the population, a purpose's loans have one purpose: PSI 5 to 14
  without any drift). Figures are compared with the thresholds declared now, not
  the status stored with the row: an old realised row was judged with the thresholds of its run,
  and a per-model override must lift a block at the next run. A NULL figure (no_data,
  no_reference) is not judged here: the input checks and the report say why.
  The test fails (blocks) on any 'error' row and warns on 'warn' rows only (fail_calc counts an
  error as a million); failing rows are stored, so `sqlscore run` names them in its summary.
-#}
{% test drift_within_thresholds(model, measures) %}
{{ config(
    store_failures=true,
    fail_calc="coalesce(sum(case when level = 'error' then 1000000 else 1 end), 0)",
    warn_if=">0",
    error_if=">=1000000",
) }}
{%- if measures not in ('features', 'score', 'performance') -%}
    {{ exceptions.raise_compiler_error(
        "sqlscore: drift_within_thresholds: measures must be features, score or performance, not "
        ~ (measures | tojson)) }}
{%- endif -%}
{%- set metric = 'auc_drop' if measures == 'performance' else 'psi' -%}
{#- the table judged, whichever model the test is declared on (all three on model_performance) -#}
{%- set judged_table = ref({'features': 'feature_drift', 'score': 'prediction_drift',
                            'performance': 'model_performance'}[measures]) -%}
{%- set as_of = as_of_date() -%}
{%- set judged = [] -%}
{%- for monitored in sqlscore_monitored_models() -%}
    {%- set bound = _sqlscore_function_row(monitored['model'], none) -%}
    {%- if bound is not none -%}
        {%- do _sqlscore_checked(bound[2] | string, '[1-9][0-9]{0,8}', 'model version') -%}
        {%- do judged.append({'model': monitored['model'], 'version': bound[2] | string,
                              'limits': drift_thresholds(monitored['model'], metric)}) -%}
    {%- endif -%}
{%- endfor %}
with

figures as (
    select
        cast(null as {{ sqlscore_type_string() }}) as model_name, cast(null as integer) as model_version,
        cast(null as date) as as_of_date, cast(null as {{ sqlscore_type_string() }}) as segment_by,
        cast(null as {{ sqlscore_type_string() }}) as segment, cast(null as {{ sqlscore_type_string() }}) as feature,
        cast(null as {{ sqlscore_type_string() }}) as metric, cast(null as double) as value,
        cast(null as double) as warn_at, cast(null as double) as block_at, false as may_block
    where false
    {%- for entry in judged %}
    {%- set limits = entry['limits'] %}
    {%- set keep = "model_name = '" ~ entry['model'] ~ "' and model_version = " ~ entry['version'] %}
    union all
    {%- if measures == 'features' %}
    select model_name, model_version, as_of_date, segment_by, segment, feature, 'psi', psi,
           {{ limits['warn'] }}, {{ limits['block'] }}, true
    from {{ judged_table }}
    where {{ keep }} and as_of_date = {{ as_of }} and segment_by = 'all'
    {%- elif measures == 'score' %}
    select model_name, model_version, as_of_date, segment_by, segment, 'score', 'psi', psi,
           {{ limits['warn'] }}, {{ limits['block'] }}, true
    from {{ judged_table }}
    where {{ keep }} and as_of_date = {{ as_of }} and segment_by = 'all'
    {%- else %}
    select model_name, model_version, as_of_date, segment_by, segment, 'score', 'auc_drop (realised)',
           auc_drop, {{ limits['warn'] }}, {{ limits['block'] }}, true
    from {{ judged_table }}
    where {{ keep }} and kind = 'realised' and as_of_date = (
        select max(as_of_date) from {{ judged_table }}
        where {{ keep }} and kind = 'realised' and segment_by = 'all' and auc_drop is not null
          and as_of_date <= {{ as_of }}
    )
    union all
    select model_name, model_version, as_of_date, segment_by, segment, 'score', 'auc_drop (estimated)',
           auc_drop, {{ limits['warn'] }}, {{ limits['block'] }}, false
    from {{ judged_table }}
    where {{ keep }} and kind = 'estimated' and as_of_date = {{ as_of }} and segment_by = 'all'
    {%- endif %}
    {%- endfor %}
),

judged as (
    select
        model_name, model_version, as_of_date, segment_by, segment, feature, metric, value,
        case when value > block_at then block_at else warn_at end as threshold,
        case when value > block_at then 'block' else 'warn' end as threshold_crossed,
        case
            when segment_by = 'all' and may_block and value > block_at then 'error'
            when segment_by = 'all' and value > warn_at then 'warn'
            when segment_by <> 'all' and value > block_at then 'warn'
        end as level
    from figures
    where value is not null
)

select * from judged where level is not null
{% endtest %}
