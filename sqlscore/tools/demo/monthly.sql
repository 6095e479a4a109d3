-- Demo raw data over monthly as-of dates ending 2026-10-31, with a documented drift
-- (see sqlscore/tools/demo/monthly.py). Randomness comes from hash(entity id, seed, stream), as
-- in generate.sql, so a seed gives the same tables whatever the thread count.
-- Placeholders: customers, seed, applications, months (integers, validated by data.py).

create schema if not exists raw;
create schema if not exists demo_feed;

-- u(id, stream) and gauss(id, stream): random.sql, run first.
create or replace temp macro sigmoid(x) as 1 / (1 + exp(-(x)));

-- The month ends: t = 0 is the history month the demo models are trained on, t = 1 .. months
-- the as-of dates the replay runs, the last 2026-10-31. progress: the share of the drift
-- reached (0 in the history month and the first as-of month). The new plan is sold from
-- launch_t on (the last third of the as-of months, at least the last two).
create or replace temp table months as
select
    t,
    last_day((date '2026-10-01' - to_months({months} - t))::date) as as_of_date,
    (date '2026-10-01' - to_months({months} - t))::date as month_start,
    greatest(t - 1, 0) / greatest({months} - 1, 1)::double as progress,
    1 + greatest(1, {months} - greatest(2, {months} // 3)) as launch_t
from range(0, {months} + 1) r(t);

-- Every customer who is ever a customer in the window, with what does not change.
create or replace temp table people as
with base as (
    select
        i as customer_id,
        gauss(i, 'sat') as satisfaction,
        u(i, 'plan') as r_plan,
        u(i, 'region') as r_region,
        u(i, 'pay') as r_pay,
        u(i, 'tenure') as r_tenure,
        gauss(i, 'charge') as z_charge,
        u(i, 'dirt') as r_dirt,
        u(i, 'newplan') as r_newplan
    from range(1, {customers} + 1) t(i)
)
select
    customer_id,
    satisfaction,
    r_newplan,
    z_charge,
    (date '2026-10-31' - to_days((pow(r_tenure, 1.6) * 2900)::integer + 1))::date as signup_date,
    case
        when r_dirt < 0.004 then null
        when r_plan < 0.40 then 'basic'
        when r_plan < 0.72 then 'standard'
        when r_plan < 0.92 then 'premium'
        when r_plan < 0.998 then 'family'
        else 'legacy_unlimited'
    end as base_plan,
    case
        when r_region < 0.25 then 'north'
        when r_region < 0.47 then 'south'
        when r_region < 0.68 then 'east'
        when r_region < 0.89 then 'west'
        when r_region < 0.999 then 'central'
        else 'overseas'
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
        when r_dirt > 0.9985 then round(900 + 4000 * u(customer_id, 'outlier'), 2)
        else greatest(5, 20
            + 25 * (r_plan >= 0.40)::int + 25 * (r_plan >= 0.72)::int + 15 * (r_plan >= 0.92)::int
            + 8 * z_charge)
    end as base_charges
from base;

-- Each customer's attributes at each month end while signed up, and the churn draw of the
-- month after. Drift: prices rise by 24% over the window; from launch_t a plan the model never
-- saw (unlimited_5g) takes standard and premium customers (at most 7.5% of them, under 4% of
-- all); and customers start leaving without warning (no usage decline, no tickets) for a
-- competitor: in the south a hazard growing from nothing to about 13% a month, elsewhere a
-- smaller one that grows with the bill.
create or replace temp table states as
with grid as (
    select p.*, m.t, m.as_of_date, m.progress, m.launch_t
    from people p cross join months m
    where p.signup_date <= m.as_of_date
),
attributes as (
    select
        *,
        case
            when base_plan in ('standard', 'premium') and t >= launch_t
                 and r_newplan < 0.025 * (t - launch_t + 1) and r_newplan < 0.075
                then 'unlimited_5g'
            else base_plan
        end as plan,
        cast(date_diff('month', signup_date, as_of_date) as double) as tenure
    from grid
),
priced as (
    select
        *,
        round(case
            when plan = 'unlimited_5g' and base_charges is not null then greatest(60, 95 + 8 * z_charge)
            else base_charges
        end * (1 + 0.24 * progress), 2) as monthly_charges
    from attributes
),
hazards as (
    select
        *,
        sigmoid(-3.3 - 1.1 * satisfaction - 0.012 * least(tenure, 60)
                + 0.5 * coalesce(plan = 'basic', false)::int
                - 0.4 * coalesce(payment_method = 'bank_transfer', false)::int
                + 0.3 * (payment_method is null)::int) as p_unhappy,
        sigmoid(-7 + progress * (5.2 * (region = 'south')::int
                             + 0.04 * (coalesce(monthly_charges, 50) - 40))) as p_switch,
        u(customer_id * 64 + t, 'churn') as r_churn
    from priced
)
select
    *,
    case when r_churn < p_unhappy then 'unhappy' when r_churn < p_unhappy + p_switch then 'switch' end
        as churn_draw
from hazards;

-- The first month after which each customer churned (churn happens during month t + 1; the last
-- month's draw is in the future and not used).
create or replace temp table churn_events as
select customer_id, min(t) as churn_t, arg_min(churn_draw, t) as cause
from states
where churn_draw is not null and t < {months}
group by customer_id;

-- The feed: everything the operational system will have delivered by 2026-10-31, month by month.
-- load_month() in sqlscore/tools/demo/monthly.py fills raw.* from it with what was known at an
-- as-of date; data.py loads the last month.
-- demo_feed.customer_months: the attributes at each month end of everyone still a customer, and
-- whether they churned during the month after (NULL for the last month: not known yet).
create or replace table demo_feed.customer_months as
select
    s.as_of_date,
    s.customer_id,
    s.signup_date,
    s.plan,
    s.region,
    s.payment_method,
    s.monthly_charges,
    case when s.t = {months} then null else coalesce(e.churn_t = s.t, false) end as churned_next_month
from states s
left join churn_events e using (customer_id)
where e.churn_t is null or s.t <= e.churn_t
order by s.as_of_date, s.customer_id;

-- demo_feed.churn_labels: churned during label_month, for everyone who was a customer at the end
-- of the month before; the last month has none yet.
create or replace table demo_feed.churn_labels as
select customer_id, (as_of_date + 1)::date as label_month, churned_next_month as churned
from demo_feed.customer_months
where churned_next_month is not null
order by label_month, customer_id;

-- Usage, from three months before the history month (the trailing windows need them) to
-- October 2026. Customers who churn because they are unhappy use less in the three months up to
-- their last; those a competitor takes do not.
create or replace table demo_feed.usage_events as
with usage_months as (
    select k, (date '2026-10-01' - to_months({months} + 3 - k))::date as month
    from range(0, {months} + 4) r(k)
),
spans as (
    select
        p.customer_id, p.satisfaction, p.signup_date, e.cause,
        -- the month the customer churned in (the month after as-of month churn_t)
        case when e.churn_t is not null then e.churn_t + 4 end as churn_k
    from people p left join churn_events e using (customer_id)
)
select
    s.customer_id,
    m.month as usage_month,
    case when u(s.customer_id * 32 + m.k, 'nullmin') < 0.01 then null else
        round(greatest(0, 320 + 90 * s.satisfaction
            - case when s.cause = 'unhappy' then 45 * greatest(0, 3 - (s.churn_k - m.k)) else 0 end
            + 70 * gauss(s.customer_id * 32 + m.k, 'min')), 1)
    end as minutes_used,
    round(greatest(0, 6 + 1.8 * s.satisfaction + 3 * gauss(s.customer_id * 32 + m.k, 'gb')
        + case when u(s.customer_id * 32 + m.k, 'spike') > 0.999 then 400 else 0 end), 3) as data_gb,
    greatest(0, round(22 + 5 * s.satisfaction
        - case when s.cause = 'unhappy' then 3 * greatest(0, 3 - (s.churn_k - m.k)) else 0 end
        + 6 * gauss(s.customer_id * 32 + m.k, 'ses')))::integer as sessions
from spans s
join usage_months m
  on m.month >= date_trunc('month', s.signup_date)
 and (s.churn_k is null or m.k <= s.churn_k)
order by usage_month, customer_id;

-- Support tickets: a few a month; more, and more severe, for unhappy customers, and most in the
-- months before an unhappy customer leaves.
create or replace table demo_feed.support_tickets as
with slots as (
    select
        u.customer_id, u.usage_month, p.satisfaction, s,
        u.customer_id * 512 + date_diff('month', date '2024-01-01', u.usage_month) * 4 + s as slot_id,
        coalesce(e.cause = 'unhappy'
                 and date_diff('month', u.usage_month, m.month_start) between -1 and 1, false) as leaving
    from demo_feed.usage_events u
    join people p using (customer_id)
    left join churn_events e using (customer_id)
    left join months m on m.t = e.churn_t
    cross join range(0, 2) r(s)
)
select
    row_number() over (order by customer_id, usage_month, s) as ticket_id,
    customer_id,
    (usage_month::timestamp + to_seconds((u(slot_id, 'when') * 27 * 86400)::bigint)) as opened_at,
    case
        when u(slot_id, 'cat') < 0.35 then 'billing'
        when u(slot_id, 'cat') < 0.65 then 'network'
        when u(slot_id, 'cat') < 0.9 then 'device'
        else 'other'
    end as category,
    case when u(slot_id, 'sev') < 0.2 + 0.3 * greatest(0, -satisfaction) + 0.3 * leaving::int
        then 'high' else 'low' end as severity
from slots
where u(slot_id, 'ticket') < 0.012 + 0.03 * greatest(0, -satisfaction) + 0.15 * leaving::int;

-- Loan applications from January 2025 (or the first usage month, if earlier) to October 2026;
-- defaulted is known for applications made before July 2026. Drift: debt-to-income creeps up by
-- 3 points over the as-of window.
create or replace table raw.loan_applications as
with window_dates as (
    select
        least(date '2025-01-01', (date '2026-10-01' - to_months({months} + 3))::date) as first_day,
        (select month_start from months where t = 1) as drift_start
),
base as (
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
        gauss(i, 'latent') as z_latent,
        (w.first_day::timestamp + to_seconds((u(i, 'applied')
            * date_diff('day', w.first_day, date '2026-11-01') * 86400)::bigint)) as applied_at,
        w.drift_start
    from range(1, {applications} + 1) t(i) cross join window_dates w
),
shaped as (
    select
        application_id,
        applied_at,
        case
            when r_dirt < 0.02 then null
            when r_dirt > 0.999 then round(2500000 * u(application_id, 'rich'), 0)
            else round(exp(10.9 + 0.45 * z_income), 0)
        end as annual_income,
        case when r_dirt between 0.02 and 0.035 then null
            else round(greatest(0, 18 + 8 * z_dti + 4 * z_latent
                + 3 * least(1, greatest(0, date_diff('day', drift_start, applied_at::date)
                    / greatest(1, date_diff('day', drift_start, date '2026-10-31'))::double))), 2)
        end as debt_to_income,
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
            else 'crypto_mining'
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
        u(application_id, 'default') < sigmoid(
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
        )
    end as defaulted
from shaped
order by application_id;

-- The raw tables dbt reads, empty, with the columns and types of generate.sql's: load_month()
-- fills them. Rows loaded get the time they were loaded (_loaded_at).
create or replace table raw.customers as
select customer_id, signup_date, plan, region, payment_method, monthly_charges
from demo_feed.customer_months where false;
create or replace table raw.usage_events as select * from demo_feed.usage_events where false;
create or replace table raw.support_tickets as select * from demo_feed.support_tickets where false;
create or replace table raw.churn_labels as select * from demo_feed.churn_labels where false;

alter table raw.customers add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.usage_events add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.support_tickets add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.churn_labels add column _loaded_at timestamp with time zone default current_timestamp;
alter table raw.loan_applications add column _loaded_at timestamp with time zone default current_timestamp;
