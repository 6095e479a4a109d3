{#- What analysts and dashboards read for credit risk: the latest score per application. -#}
with

scores as (
    select * from {{ ref('risk_scores') }}
),

latest as (
    select * from scores
    qualify row_number() over (partition by application_id order by as_of_date desc) = 1
),

applications as (
    select * from {{ ref('stg_raw__loan_applications') }}
),

final as (
    select
        latest.application_id,
        latest.as_of_date,
        applications.purpose,
        applications.loan_amount,
        applications.term_months,
        latest.default_probability,
        latest.risk_decile,
        latest.risk_band,
        latest.model_name,
        latest.model_version,
        latest.model_sha256,
        latest.run_id,
        latest.scored_at
    from latest
    inner join applications on applications.application_id = latest.application_id
)

select * from final
