{#- Every churn score (each as-of date of scoring.churn_scores) with its label once known (the
    churn_labels month after the as-of date) and its segments (region and plan valid at the
    as-of date, from the snapshot), in the shape every monitoring model reads. A view: it holds
    no data of its own. Labels that give a (customer, month) twice stop any query of it with an
    error naming the table and the key. -#}
{{ config(materialized='view') }}

with

scores as (
    select * from {{ ref('churn_scores') }}
),

labels as (
    select * from {{ ref('stg_telecom__churn_labels') }}
    where {{ refuse_duplicated_keys(ref('stg_telecom__churn_labels'), ['customer_id', 'label_month'],
                                    'raw.churn_labels (stg_telecom__churn_labels)') }} = 0
),

versions as (
    select
        customer_id, region, plan, dbt_valid_from, dbt_valid_to,
        row_number() over (partition by customer_id order by dbt_valid_from) as version_number
    from {{ ref('snp_customers') }}
),

final as (
    select
        scores.model_name,
        scores.model_version,
        scores.as_of_date,
        scores.customer_id as entity_id,
        scores.churn_probability as score,
        scores.churn_decile as score_decile,
        labels.churned as label,
        cast({{ monitoring_segments(monitored_segment_columns('churn')) }}
             as {{ monitoring_segments_type() }}) as segments
    from scores
    -- the attributes valid at the scored as-of date (as int_customers_featurized reads them; the
    -- first version recorded for a date before the history began), joined to the score itself
    -- (a score is one customer and date) rather than through a second copy of the scores
    left join versions
        on versions.customer_id = scores.customer_id
       and (
           (versions.dbt_valid_from <= cast(scores.as_of_date as timestamp)
            and (versions.dbt_valid_to is null or versions.dbt_valid_to > cast(scores.as_of_date as timestamp)))
           or (versions.version_number = 1 and versions.dbt_valid_from > cast(scores.as_of_date as timestamp))
       )
    left join labels
        on labels.customer_id = scores.customer_id
       and labels.label_month = cast(date_trunc('month', scores.as_of_date) + interval 1 month as date)
)

select * from final
