{#- Churn probability per customer and as-of date, incremental (see score_incrementally). -#}
{{ score_incrementally('churn', key='customer_id', features='int_customers_featurized',
                       score_column='churn_probability') }}
