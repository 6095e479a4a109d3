with

source as (
    select * from {{ source('telecom', 'support_tickets') }}
),

renamed as (
    select
        cast(ticket_id as bigint) as ticket_id,
        cast(customer_id as bigint) as customer_id,
        cast(opened_at as timestamp) as opened_at,
        lower(category) as category,
        lower(severity) as severity
    from source
),

final as (
    select * from renamed
)

select * from final
