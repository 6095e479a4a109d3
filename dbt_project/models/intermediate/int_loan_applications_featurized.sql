{#- One row per loan application submitted up to var('as_of_date'), with the risk model's features. -#}
{%- set as_of = as_of_date() -%}

with

applications as (
    select * from {{ ref('stg_lending__loan_applications') }}
    where applied_at <= {{ as_of }} + interval 1 day
),

featurized as (
    select
        application_id,
        {{ as_of }} as as_of_date,
        annual_income,
        debt_to_income,
        cast(employment_length_years as double) as employment_length_years,
        purpose,
        loan_amount,
        cast(term_months as double) as term_months,
        cast(past_delinquencies as double) as past_delinquencies,
        home_ownership,
        loan_amount / nullif(annual_income, 0) as loan_to_income
    from applications
),

final as (
    select * from featurized
)

select * from final
