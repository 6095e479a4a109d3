{#- Usage per customer over trailing windows ending at var('as_of_date').
    Every average adds its months in date order: floating-point sums depend on their order, and
    a parallel aggregate's order on the thread schedule, so unordered the same data could give
    values differing in the last bit, a new feature_hash, and a needless rescore. -#}
{%- set as_of = as_of_date() -%}

with

usage as (
    select * from {{ ref('stg_telecom__usage_events') }}
    where usage_month <= {{ as_of }}
),

aggregated as (
    select
        customer_id,
        {{ sqlscore_ordered_avg('minutes_used', 'usage_month', 'usage_month > ' ~ as_of ~ ' - interval 3 month') }} as avg_minutes_3m,
        {{ sqlscore_ordered_avg('data_gb', 'usage_month', 'usage_month > ' ~ as_of ~ ' - interval 3 month') }} as avg_data_gb_3m,
        {{ sqlscore_ordered_avg('sessions', 'usage_month', 'usage_month > ' ~ as_of ~ ' - interval 3 month') }} as avg_sessions_3m,
        {{ sqlscore_ordered_avg('minutes_used', 'usage_month', 'usage_month > ' ~ as_of ~ ' - interval 1 month') }} as minutes_last_month,
        {{ sqlscore_ordered_avg('minutes_used', 'usage_month',
            'usage_month <= ' ~ as_of ~ ' - interval 1 month and usage_month > ' ~ as_of ~ ' - interval 4 month') }} as minutes_prior_3m
    from usage
    group by customer_id
),

final as (
    select * from aggregated
)

select * from final
