{#- The churn challenger's scores on the same rows as churn_scores (shadow scoring: never
    published; see score_incrementally). `sqlscore models compare churn` reads it. -#}
{{ score_incrementally('churn', key='customer_id', features='int_customers_featurized',
                       score_column='churn_probability', registry_alias='challenger') }}
