{#-
  Probability of default per loan application and as-of date, incremental, with the same
  rescoring rule as churn_scores (new key, changed features, or another model version).
-#}
{{
    config(
        unique_key=['application_id', 'as_of_date'],
        incremental_strategy='delete+insert',
        full_refresh=sqlscore_full_refresh(),
        post_hook="{{ remove_departed_keys('application_id', ref('int_loan_applications_featurized')) }}",
    )
}}

with

features as (
    select * from {{ ref('int_loan_applications_featurized') }}
),

to_score as (
    select * from features
    {% if is_incremental() %}
    where not {{ as_of_date_is_frozen() }}
      and not exists (
        select 1
        from {{ this }} as scored
        where scored.application_id = features.application_id
          and scored.as_of_date = features.as_of_date
          and scored.feature_hash = features.feature_hash
          and scored.model_version = {{ model_version('risk') }}
    )
    {% endif %}
),

scored as (
    select
        application_id,
        as_of_date,
        feature_hash,
        {{ predict('risk', engine=var('scoring_engine'), relation_alias='to_score') }} as default_probability
    from to_score
),

final as (
    select
        cast(application_id as bigint) as application_id,
        cast(as_of_date as date) as as_of_date,
        cast(default_probability as double) as default_probability,
        {{ score_decile('risk', 'default_probability') }} as risk_decile,
        cast({{ risk_band('default_probability') }} as varchar) as risk_band,
        {{ model_provenance('risk', engine=var('scoring_engine')) }},
        cast({{ run_id() }} as varchar) as run_id,
        cast(current_timestamp as timestamp with time zone) as scored_at,
        cast(feature_hash as varchar) as feature_hash
    from scored
)

select * from final
