{#- Completeness: usage events of the as-of month must have arrived before anyone is scored on
    them. Without them every trailing-window feature (minutes_trend, the 3-month averages) would
    be computed on a month of NULLs and scored anyway. Returns a row (fails) when the as-of
    month has no usage events, or far fewer customers than the month before. -#}
with

months as (
    select
        count(distinct customer_id) filter (
            where usage_month = date_trunc('month', {{ as_of_date() }})
        ) as customers_in_as_of_month,
        count(distinct customer_id) filter (
            where usage_month = date_trunc('month', {{ as_of_date() }}) - interval 1 month
        ) as customers_in_month_before
    from {{ ref('stg_telecom__usage_events') }}
)

select *
from months
where customers_in_as_of_month < 0.5 * customers_in_month_before
   or customers_in_as_of_month = 0
