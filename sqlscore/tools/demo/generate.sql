-- Demo raw data for churn and credit risk, generated entirely in DuckDB.
-- Randomness comes from hash(entity id, seed, stream), so the data is the same
-- for a seed whatever the thread count. Placeholders: {customers}, {seed},
-- {applications}. Reference date: 2026-10-31 (the last complete month).

create schema if not exists raw;

-- u(id, stream) and gauss(id, stream): random.sql, run first.

-- Customers: a hidden satisfaction drives usage decline, tickets and churn.
create or replace table raw.customers as
with base as (
    select
        i as customer_id,
        gauss(i, 'sat') as satisfaction,
        u(i, 'plan') as r_plan,
        u(i, 'region') as r_region,
        u(i, 'pay') as r_pay,
        u(i, 'tenure') as r_tenure,
        gauss(i, 'charge') as z_charge,
        u(i, 'dirt') as r_dirt
    from range(1, {customers} + 1) t(i)
)
select
    customer_id,
    (date '2026-10-31' - to_days((pow(r_tenure, 1.6) * 2900)::integer + 31))::date as signup_date,
    case
        when r_dirt < 0.004 then null
        when r_plan < 0.40 then 'basic'
        when r_plan < 0.72 then 'standard'
        when r_plan < 0.92 then 'premium'
        when r_plan < 0.998 then 'family'
        else 'legacy_unlimited'               -- rare category
    end as plan,
    case
        when r_region < 0.25 then 'north'
        when r_region < 0.47 then 'south'
        when r_region < 0.68 then 'east'
        when r_region < 0.89 then 'west'
        when r_region < 0.999 then 'central'
        else 'overseas'                        -- rare category
    end as region,
    case
        when r_dirt between 0.004 and 0.024 then null
        when r_pay < 0.45 then 'card'
        when r_pay < 0.75 then 'bank_transfer'
        when r_pay < 0.93 then 'paypal'
        else 'invoice'
    end as payment_method,
    case
        when r_dirt between 0.024 and 0.034 then null
        when r_dirt > 0.9985 then round(900 + 4000 * u(customer_id, 'outlier'), 2)   -- outliers
        else round(greatest(5, 20
            + 25 * (r_plan >= 0.40)::int + 25 * (r_plan >= 0.72)::int + 15 * (r_plan >= 0.92)::int
            + 8 * z_charge), 2)
    end as monthly_charges,
    satisfaction as _satisfaction
from base;

-- Monthly usage, April to October 2026; unhappy customers use less and less.
create or replace table raw.usage_events as
with months as (
    select m, (date '2026-04-01' + to_months(m))::date as month from range(0, 7) t(m)
)
select
    c.customer_id,
    months.month as usage_month,
    case when u(c.customer_id * 16 + months.m, 'nullmin') < 0.01 then null else
        round(greatest(0, 320 + 90 * c._satisfaction
            + 18 * least(c._satisfaction, 0) * months.m
            + 70 * gauss(c.customer_id * 16 + months.m, 'min')), 1)
    end as minutes_used,
    round(greatest(0, 6 + 1.8 * c._satisfaction + 3 * gauss(c.customer_id * 16 + months.m, 'gb')
        + case when u(c.customer_id * 16 + months.m, 'spike') > 0.999 then 400 else 0 end), 3)
        as data_gb,
    greatest(0, round(22 + 5 * c._satisfaction + 6 * gauss(c.customer_id * 16 + months.m, 'ses')))::integer
        as sessions
from raw.customers c
cross join months
where months.month >= date_trunc('month', c.signup_date);

-- Support tickets: more, and more severe, for unhappy customers.
create or replace table raw.support_tickets as
with slots as (
    select c.customer_id, c._satisfaction, s
    from raw.customers c cross join range(0, 4) t(s)
    where u(c.customer_id * 8 + s, 'ticket') < 0.05 + 0.12 * greatest(0, -c._satisfaction)
)
select
    row_number() over (order by customer_id, s) as ticket_id,
    customer_id,
    (timestamp '2026-04-01' + to_seconds((u(customer_id * 8 + s, 'when') * 213 * 86400)::bigint))
        as opened_at,
    case
        when u(customer_id * 8 + s, 'cat') < 0.35 then 'billing'
        when u(customer_id * 8 + s, 'cat') < 0.65 then 'network'
        when u(customer_id * 8 + s, 'cat') < 0.9 then 'device'
        else 'other'
    end as category,
    case when u(customer_id * 8 + s, 'sev') < 0.2 + 0.3 * greatest(0, -_satisfaction)
        then 'high' else 'low' end as severity
from slots;

-- Churn label for the past month (October 2026): churned during that month.
create or replace table raw.churn_labels as
select
    customer_id,
    date '2026-10-01' as label_month,
    u(customer_id, 'churn') < 1 / (1 + exp(-(
        -2.2
        - 1.1 * _satisfaction
        - 0.012 * least(date_diff('month', signup_date, date '2026-10-01'), 60)
        + 0.5 * coalesce(plan = 'basic', false)::int
        - 0.4 * coalesce(payment_method = 'bank_transfer', false)::int
        + 0.3 * (payment_method is null)::int
        + 0.006 * least(coalesce(monthly_charges, 60), 150)
    ))) as churned
from raw.customers
where signup_date < date '2026-09-01';

alter table raw.customers drop column _satisfaction;

-- Loan applications with a default label for those old enough to have an outcome.
create or replace table raw.loan_applications as
with base as (
    select
        i as application_id,
        gauss(i, 'inc') as z_income,
        gauss(i, 'dti') as z_dti,
        u(i, 'emp') as r_emp,
        u(i, 'purpose') as r_purpose,
        u(i, 'amount') as r_amount,
        u(i, 'term') as r_term,
        u(i, 'delinq') as r_delinq,
        u(i, 'home') as r_home,
        u(i, 'dirt') as r_dirt,
        gauss(i, 'latent') as z_latent
    from range(1, {applications} + 1) t(i)
),
shaped as (
    select
        application_id,
        (timestamp '2025-01-01' + to_seconds((u(application_id, 'applied') * 669 * 86400)::bigint))
            as applied_at,
        case
            when r_dirt < 0.02 then null
            when r_dirt > 0.999 then round(2500000 * u(application_id, 'rich'), 0)
            else round(exp(10.9 + 0.45 * z_income), 0)
        end as annual_income,
        case when r_dirt between 0.02 and 0.035 then null
            else round(greatest(0, 18 + 8 * z_dti + 4 * z_latent), 2) end as debt_to_income,
        case when r_dirt between 0.035 and 0.07 then null
            else floor(pow(r_emp, 1.3) * 31)::integer end as employment_length_years,
        case
            when r_purpose < 0.38 then 'debt_consolidation'
            when r_purpose < 0.58 then 'credit_card'
            when r_purpose < 0.70 then 'home_improvement'
            when r_purpose < 0.80 then 'car'
            when r_purpose < 0.88 then 'small_business'
            when r_purpose < 0.95 then 'medical'
            when r_purpose < 0.998 then 'vacation'
            else 'crypto_mining'                -- rare category
        end as purpose,
        round(1000 + 39000 * pow(r_amount, 1.7), -2) as loan_amount,
        case when r_term < 0.7 then 36 else 60 end as term_months,
        case when r_delinq < 0.78 then 0 when r_delinq < 0.92 then 1 when r_delinq < 0.98 then 2
            else 3 + floor(u(application_id, 'delinq2') * 8)::integer end as past_delinquencies,
        case when r_home < 0.42 then 'mortgage' when r_home < 0.82 then 'rent'
            when r_home < 0.995 then 'own' else 'other' end as home_ownership,
        z_latent
    from base
)
select
    application_id, applied_at, annual_income, debt_to_income, employment_length_years,
    purpose, loan_amount, term_months, past_delinquencies, home_ownership,
    case when applied_at >= timestamp '2026-07-01' then null else
        u(application_id, 'default') < 1 / (1 + exp(-(
            -2.6
            + 0.055 * (coalesce(debt_to_income, 25) - 18)
            - 0.9 * (ln(greatest(coalesce(annual_income, 40000), 5000)) - 10.9)
            + 0.45 * least(past_delinquencies, 5)
            + 0.25 * (term_months = 60)::int
            + 0.35 * (purpose = 'small_business')::int
            - 0.25 * (home_ownership = 'mortgage')::int
            - 0.02 * coalesce(employment_length_years, 2)
            + 0.000012 * loan_amount
            + 0.6 * z_latent
        )))
    end as defaulted
from shaped;

-- When each row was loaded, as a loader stamps it (dbt source freshness reads it: see
-- the _*__sources.yml files under dbt_project/models/staging/). Rows inserted later get their own time.
alter table raw.customers add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.usage_events add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.support_tickets add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.churn_labels add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.loan_applications add column _loaded_at timestamp with time zone default current_timestamp;
