{#- The risk challenger's scores on the same rows as risk_scores, with the same risk band
    (shadow scoring: never published; see score_incrementally). `sqlscore models compare risk`
    reads it. -#}
{{ score_incrementally('risk', key='application_id', features='int_loan_applications_featurized',
                       score_column='default_probability', registry_alias='challenger',
                       extra_columns={'risk_band': 'cast(' ~ risk_band('score') ~ ' as ' ~ sqlscore_type_string() ~ ')'}) }}
