{#- What analysts and dashboards read for churn: the latest scored as-of date per customer,
    with the attributes they group by. -#}
with

scores as (
    select * from {{ ref('churn_scores') }}
),

latest as (
    select * from scores
    qualify row_number() over (partition by customer_id order by as_of_date desc) = 1
),

customers as (
    select * from {{ ref('stg_raw__customers') }}
),

final as (
    select
        latest.customer_id,
        latest.as_of_date,
        customers.region,
        customers.plan,
        latest.churn_probability,
        latest.churn_decile,
        latest.model_name,
        latest.model_version,
        latest.model_sha256,
        latest.run_id,
        latest.scored_at
    from latest
    inner join customers on customers.customer_id = latest.customer_id
)

select * from final
