{#- Support tickets per customer in the 90 days up to var('as_of_date'). -#}
{%- set as_of = as_of_date() -%}

with

tickets as (
    select * from {{ ref('stg_telecom__support_tickets') }}
    where opened_at > {{ as_of }} - interval 90 day
      and opened_at <= {{ as_of }} + interval 1 day
),

aggregated as (
    select
        customer_id,
        count(*) as tickets_90d,
        count(*) filter (where severity = 'high') as high_severity_tickets_90d
    from tickets
    group by customer_id
),

final as (
    select * from aggregated
)

select * from final
