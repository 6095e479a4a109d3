{#-
  The inputs about to be scored, checked against what the model saw in training: the profile
  written at export (ml_input_profiles) of the version predict(model_name) is bound to. One row
  per (column, rule) that breaks a threshold of var('sqlscore_input_rules'), with its level:
    nonfinite        NaN, Infinity or -Infinity in a number column (a NULL is a missing value
                     the model imputes; these are not, and pass through every other check)
    out_of_range     a number beyond the training range widened by `margin` of its width on
                     each side; a column never negative in training may not turn negative
    unseen_category  a category the model was never trained on (skipped when training had too
                     many categories to keep them all)
  Every check is counted in one scan of the inputs. The test fails (blocks the run) on any
  'error' row and warns on 'warn' rows only: the fail_calc counts an error as a million.
  Failing rows are stored, so `sqlscore run` can name the columns in its summary.
-#}
{% test inputs_match_training_profile(model, model_name) %}
{{ config(
    store_failures=true,
    fail_calc="coalesce(sum(case when level = 'error' then 1000000 else 1 end), 0)",
    warn_if=">0",
    error_if=">=1000000",
) }}
{%- set rules = var('sqlscore_input_rules') -%}
{%- set margin = rules['out_of_range']['margin'] | float -%}
{%- set bound = _sqlscore_function_row(model_name, none) -%}
{%- set profile = [] -%}
{%- if execute and bound is not none -%}
    {#- bounds computed and written as text by DuckDB, categories as JSON: agate would hand Jinja
        decimals and a list's text -#}
    {%- set profile = run_query(
        "select feature, kind, cast(min_value as varchar), cast(max_value as varchar), "
        ~ "cast(case when min_value >= 0 then greatest(min_value - (max_value - min_value) * " ~ margin
        ~ ", 0) else min_value - (max_value - min_value) * " ~ margin ~ " end as varchar), "
        ~ "cast(max_value + (max_value - min_value) * " ~ margin ~ " as varchar), "
        ~ "to_json(categories), categories_complete "
        ~ "from main.ml_input_profiles where model_name = '" ~ bound[1] ~ "' and model_version = "
        ~ bound[2] ~ " order by feature").rows -%}
{%- endif %}
{#- every check is a (column, rule, expected, condition); all are counted in one scan -#}
{%- set checks = [] -%}
{%- for feature, kind, low, high, lowest, highest, categories_json, complete in profile -%}
    {%- do _sqlscore_checked(feature, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'feature name') -%}
    {%- set value = "cast(" ~ adapter.quote(feature) ~ " as double)" -%}
    {%- if kind == 'number' -%}
        {%- do checks.append({'column': feature, 'rule': 'nonfinite', 'expected': 'finite numbers or NULL',
                              'condition': "isnan(" ~ value ~ ") or isinf(" ~ value ~ ")"}) -%}
        {%- if low is not none and high is not none -%}
            {%- do checks.append({'column': feature, 'rule': 'out_of_range',
                'expected': 'within the training range ' ~ low ~ ' to ' ~ high ~ ', widened to '
                            ~ lowest ~ ' to ' ~ highest,
                'condition': "isfinite(" ~ value ~ ") and (" ~ value ~ " < cast('" ~ lowest ~ "' as double) or "
                             ~ value ~ " > cast('" ~ highest ~ "' as double))"}) -%}
        {%- endif -%}
    {%- elif complete -%}
        {%- set categories = fromjson(categories_json) if categories_json else [] -%}
        {%- set quoted = [] -%}
        {%- for category in categories -%}
            {%- do quoted.append("'" ~ (category | replace("'", "''")) ~ "'") -%}
        {%- endfor -%}
        {%- set column = adapter.quote(feature) -%}
        {%- do checks.append({'column': feature, 'rule': 'unseen_category',
            'expected': 'one of the ' ~ (categories | length) ~ ' training categories',
            'condition': column ~ " is not null and " ~ column ~ " <> ''"
                         ~ ((" and " ~ column ~ " not in (" ~ (quoted | join(', ')) ~ ")") if quoted else "")}) -%}
    {%- endif -%}
{%- endfor %}
with counts as (
    select
        count(*) as rows_checked
        {%- for check in checks %},
        count(*) filter (where {{ check['condition'] }}) as breaking_{{ loop.index }}
        {%- endfor %}
    from {{ model }}
),

checks as (
    select cast(null as varchar) as column_name, cast(null as varchar) as rule,
           cast(null as varchar) as expected, 0 as rows_breaking, 0 as rows_checked
    where false
    {%- for check in checks %}
    union all
    select '{{ check['column'] }}', '{{ check['rule'] }}', '{{ check['expected'] }}', breaking_{{ loop.index }}, rows_checked
    from counts
    {%- endfor %}
),

judged as (
    select
        '{{ model_name }}' as model_name,
        column_name,
        rule,
        expected,
        rows_breaking,
        rows_checked,
        rows_breaking / nullif(rows_checked, 0)::double as share,
        case
            when rows_breaking / nullif(rows_checked, 0)::double > case rule
                {%- for rule, limits in rules.items() %} when '{{ rule }}' then {{ limits['error'] | float }}{% endfor %} end
                then 'error'
            when rows_breaking / nullif(rows_checked, 0)::double > case rule
                {%- for rule, limits in rules.items() %} when '{{ rule }}' then {{ limits['warn'] | float }}{% endfor %} end
                then 'warn'
        end as level
    from checks
)

select * from judged where level is not null
{% endtest %}
