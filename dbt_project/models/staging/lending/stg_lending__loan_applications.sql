with

source as (
    select * from {{ source('lending', 'loan_applications') }}
),

renamed as (
    select
        cast(application_id as bigint) as application_id,
        cast(applied_at as timestamp) as applied_at,
        cast(annual_income as double) as annual_income,
        cast(debt_to_income as double) as debt_to_income,
        cast(employment_length_years as integer) as employment_length_years,
        nullif(trim(lower(purpose)), '') as purpose,
        cast(loan_amount as double) as loan_amount,
        cast(term_months as integer) as term_months,
        cast(past_delinquencies as integer) as past_delinquencies,
        nullif(trim(lower(home_ownership)), '') as home_ownership,
        cast(defaulted as boolean) as defaulted
    from source
),

final as (
    select * from renamed
)

select * from final
