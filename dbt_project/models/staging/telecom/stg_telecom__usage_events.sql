with

source as (
    select * from {{ source('telecom', 'usage_events') }}
),

renamed as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(usage_month as date) as usage_month,
        cast(minutes_used as double) as minutes_used,
        cast(data_gb as double) as data_gb,
        cast(sessions as integer) as sessions
    from source
),

final as (
    select * from renamed
)

select * from final
