{#- Risk scores of the current as-of date with purpose and amount.
    A candidate: consumers read published.loan_application_risk_scores once the gate passed it. -#}
with

scores as (
    select * from {{ ref('risk_scores') }}
),

current_scores as (
    select * from scores
    where as_of_date = {{ as_of_date() }}
),

applications as (
    select * from {{ ref('stg_lending__loan_applications') }}
),

final as (
    select
        current_scores.application_id,
        current_scores.as_of_date,
        applications.purpose,
        applications.loan_amount,
        applications.term_months,
        current_scores.default_probability,
        current_scores.risk_decile,
        current_scores.risk_band,
        current_scores.model_name,
        current_scores.model_version,
        current_scores.model_sha256,
        current_scores.run_id,
        current_scores.scored_at
    from current_scores
    inner join applications on applications.application_id = current_scores.application_id
)

select * from final
