with

source as (
    select * from {{ source('telecom', 'churn_labels') }}
),

renamed as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(date_trunc('month', cast(label_month as date)) as date) as label_month,
        cast(churned as boolean) as churned
    from source
),

final as (
    select * from renamed
)

select * from final
