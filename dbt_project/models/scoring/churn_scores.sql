{#-
  Churn probability per customer and as-of date, incremental.
  A row is (re)scored when its (customer, as_of_date) is new, when its features changed
  (feature_hash), or when predict('churn') is bound to another model version than the one
  that scored it (a new champion rescores the whole current as-of date). A run for an as-of
  date earlier than the newest one here scores nothing: past dates keep the scores, and the
  version, they were published with, unless a backfill is asked for (as_of_date_is_frozen).
-#}
{{
    config(
        unique_key=['customer_id', 'as_of_date'],
        incremental_strategy='delete+insert',
        full_refresh=sqlscore_full_refresh(),
        post_hook="{{ remove_departed_keys('customer_id', ref('int_customers_featurized')) }}",
    )
}}

with

features as (
    select * from {{ ref('int_customers_featurized') }}
),

to_score as (
    select * from features
    {% if is_incremental() %}
    where not {{ as_of_date_is_frozen() }}
      and not exists (
        select 1
        from {{ this }} as scored
        where scored.customer_id = features.customer_id
          and scored.as_of_date = features.as_of_date
          and scored.feature_hash = features.feature_hash
          and scored.model_version = {{ model_version('churn') }}
    )
    {% endif %}
),

scored as (
    select
        customer_id,
        as_of_date,
        feature_hash,
        {{ predict('churn', engine=var('scoring_engine'), relation_alias='to_score') }} as churn_probability
    from to_score
),

final as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(as_of_date as date) as as_of_date,
        cast(churn_probability as double) as churn_probability,
        {{ score_decile('churn', 'churn_probability') }} as churn_decile,
        {{ model_provenance('churn', engine=var('scoring_engine')) }},
        cast({{ run_id() }} as varchar) as run_id,
        cast(current_timestamp as timestamp with time zone) as scored_at,
        cast(feature_hash as varchar) as feature_hash
    from scored
)

select * from final
