"""Demo data and demo models: churn (gradient boosting) and credit risk (logistic regression)."""
