{#- Churn scores of the current as-of date with the attributes analysts group by.
    A candidate: consumers read published.customer_churn_scores once the gate passed it. -#}
with

scores as (
    select * from {{ ref('churn_scores') }}
),

current_scores as (
    select * from scores
    where as_of_date = {{ as_of_date() }}
),

-- region and plan as of the as-of date (the attributes the scores were computed from)
customers as (
    select * from {{ ref('int_customers_featurized') }}
),

final as (
    select
        current_scores.customer_id,
        current_scores.as_of_date,
        customers.region,
        customers.plan,
        current_scores.churn_probability,
        current_scores.churn_decile,
        current_scores.model_name,
        current_scores.model_version,
        current_scores.model_sha256,
        current_scores.run_id,
        current_scores.scored_at
    from current_scores
    inner join customers on customers.customer_id = current_scores.customer_id
)

select * from final
