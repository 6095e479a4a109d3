{#- Every risk score (each as-of date of scoring.risk_scores) with its label once known (the
    application's `defaulted`, NULL until the outcome is known) and its segments (purpose and
    home ownership), in the shape every monitoring model reads. A view: it holds no data of its
    own. An application given twice stops any query of it with an error naming the table and key. -#}
{{ config(materialized='view') }}

with

scores as (
    select * from {{ ref('risk_scores') }}
),

applications as (
    select * from {{ ref('stg_lending__loan_applications') }}
    where {{ refuse_duplicated_keys(ref('stg_lending__loan_applications'), ['application_id'],
                                    'raw.loan_applications (stg_lending__loan_applications)') }} = 0
),

final as (
    select
        scores.model_name,
        scores.model_version,
        scores.as_of_date,
        scores.application_id as entity_id,
        scores.default_probability as score,
        scores.risk_decile as score_decile,
        applications.defaulted as label,
        cast({{ monitoring_segments(monitored_segment_columns('risk')) }}
             as {{ monitoring_segments_type() }}) as segments
    from scores
    left join applications using (application_id)
)

select * from final
