-- Training features, computed as of a date ({as_of}), the same way the dbt
-- intermediate models compute them for scoring. Only joins, windows and ratios:
-- fitted statistics (imputation, scaling, encoding) live in the model artifact.
-- Averages add their months in date order, as dbt's do, so both are bit-for-bit the same.

-- name: churn
with usage as (
    select
        customer_id,
        avg(minutes_used order by usage_month) filter (where usage_month > date '{as_of}' - interval 3 month) as avg_minutes_3m,
        avg(data_gb order by usage_month) filter (where usage_month > date '{as_of}' - interval 3 month) as avg_data_gb_3m,
        avg(sessions order by usage_month) filter (where usage_month > date '{as_of}' - interval 3 month) as avg_sessions_3m,
        avg(minutes_used order by usage_month) filter (where usage_month > date '{as_of}' - interval 1 month) as minutes_last_month,
        avg(minutes_used order by usage_month) filter (
            where usage_month <= date '{as_of}' - interval 1 month
              and usage_month > date '{as_of}' - interval 4 month) as minutes_prior_3m
    from raw.usage_events
    where usage_month <= date '{as_of}'
    group by customer_id
),
tickets as (
    select
        customer_id,
        count(*) as tickets_90d,
        count(*) filter (where severity = 'high') as high_severity_tickets_90d
    from raw.support_tickets
    where opened_at > date '{as_of}' - interval 90 day and opened_at <= date '{as_of}' + interval 1 day
    group by customer_id
)
select
    c.customer_id,
    date_diff('month', c.signup_date, date '{as_of}')::double as tenure_months,
    c.plan,
    c.region,
    c.payment_method,
    c.monthly_charges,
    u.avg_minutes_3m,
    u.avg_data_gb_3m,
    u.avg_sessions_3m,
    u.minutes_last_month / nullif(u.minutes_prior_3m, 0) as minutes_trend,
    coalesce(t.tickets_90d, 0)::double as tickets_90d,
    coalesce(t.high_severity_tickets_90d, 0)::double as high_severity_tickets_90d
from raw.customers c
left join usage u using (customer_id)
left join tickets t using (customer_id)
where c.signup_date <= date '{as_of}'

-- name: risk
select
    application_id,
    annual_income,
    debt_to_income,
    employment_length_years::double as employment_length_years,
    purpose,
    loan_amount,
    term_months::double as term_months,
    past_delinquencies::double as past_delinquencies,
    home_ownership,
    loan_amount / nullif(annual_income, 0) as loan_to_income
from raw.loan_applications
where applied_at <= date '{as_of}' + interval 1 day
