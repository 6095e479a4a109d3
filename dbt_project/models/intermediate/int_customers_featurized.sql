{#- One row per customer with the churn model's features as of var('as_of_date'), from the
    customer attributes valid at that date.
    Only joins, windows and ratios: imputation, scaling and encoding are inside the model. -#}
{%- set as_of = as_of_date() -%}

with

versions as (
    select
        *,
        row_number() over (partition by customer_id order by dbt_valid_from) as version_number
    from {{ ref('snp_customers') }}
),

-- the version of each customer's attributes valid at the as-of date (see snp_customers); for a
-- date before the history began (a backfill earlier than the first run), the first version recorded
customers as (
    select {{ sqlscore_star_except(['version_number']) }} from versions
    where signup_date <= {{ as_of }}
      and (
          (dbt_valid_from <= cast({{ as_of }} as timestamp)
           and (dbt_valid_to is null or dbt_valid_to > cast({{ as_of }} as timestamp)))
          or (version_number = 1 and dbt_valid_from > cast({{ as_of }} as timestamp))
      )
),

usage as (
    select * from {{ ref('int_customer_usage_aggregated') }}
),

tickets as (
    select * from {{ ref('int_customer_tickets_aggregated') }}
),

joined as (
    select
        customers.customer_id,
        {{ as_of }} as as_of_date,
        cast({{ sqlscore_months_between('customers.signup_date', as_of) }} as double) as tenure_months,
        customers.plan,
        customers.region,
        customers.payment_method,
        customers.monthly_charges,
        usage.avg_minutes_3m,
        usage.avg_data_gb_3m,
        usage.avg_sessions_3m,
        usage.minutes_last_month / nullif(usage.minutes_prior_3m, 0) as minutes_trend,
        cast(coalesce(tickets.tickets_90d, 0) as double) as tickets_90d,
        cast(coalesce(tickets.high_severity_tickets_90d, 0) as double) as high_severity_tickets_90d
    from customers
    left join usage on usage.customer_id = customers.customer_id
    left join tickets on tickets.customer_id = customers.customer_id
),

final as (
    select * from joined
)

select * from final
