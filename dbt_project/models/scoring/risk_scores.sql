{#- Probability of default per loan application and as-of date, incremental (see
    score_incrementally), with the risk band dashboards group by. -#}
{{ score_incrementally('risk', key='application_id', features='int_loan_applications_featurized',
                       score_column='default_probability',
                       extra_columns={'risk_band': 'cast(' ~ risk_band('score') ~ ' as ' ~ sqlscore_type_string() ~ ')'}) }}
