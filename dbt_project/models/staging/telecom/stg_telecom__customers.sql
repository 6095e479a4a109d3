with

source as (
    select * from {{ source('telecom', 'customers') }}
),

renamed as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(signup_date as date) as signup_date,
        nullif(trim(lower(plan)), '') as plan,
        nullif(trim(lower(region)), '') as region,
        nullif(trim(lower(payment_method)), '') as payment_method,
        cast(monthly_charges as double) as monthly_charges
    from source
),

final as (
    select * from renamed
)

select * from final
