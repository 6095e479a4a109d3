{#- Each input's drift per monitored model, version, as-of date and segment: rows, null rate,
    and PSI and Jensen-Shannon distance of the run's bin shares against the version's training
    profile (main.ml_reference_bins). Features exist for the run's as-of date only (the
    intermediate models), so a run computes that date and keeps every earlier one. The model
    version is the one that scored each row; a feature the version's reference does not hold
    is named by status 'no_reference'. -#}
{#- Built after prediction_drift and before model_performance: the three monitoring models run one at a time,
    each with every DuckDB thread, so a run's memory peak is the largest one's, not their sum. -#}
-- depends_on: {{ ref('prediction_drift') }}
{{ config(**sqlscore_monitoring_config(['model_name', 'as_of_date'])) }}
{%- set as_of = as_of_date() %}
{#- the string type in this warehouse's spelling (varchar, string) -#}
{%- set text_type = sqlscore_type_string() %}

{% for monitored in sqlscore_monitored_models() %}
{%- set model_name = monitored['model'] -%}
{%- set rows = ref(monitored['rows']) -%}
{%- set features_model = ref(monitored['features']) -%}
{%- set scores_model = ref(monitored['scores']) -%}
{%- set key = monitored['key'] -%}
{%- do _sqlscore_checked(key, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'key column') -%}
{#- the features (name -> number or category) of the versions that scored the as-of date (the
    bound version when none did), and the reference edges of every version with bins -#}
{%- set features = {} -%}
{%- set edges = {} -%}
{%- if execute -%}
    {%- set versions = run_query("select distinct model_version from " ~ scores_model
                                 ~ " where as_of_date = " ~ as_of).columns[0].values() | list -%}
    {%- if versions | length == 0 -%}
        {%- set versions = [model_version(model_name) | trim | int] -%}
    {%- endif -%}
    {%- for version in versions -%}
        {%- do _sqlscore_checked(version | string, '[1-9][0-9]{0,8}', 'model version') -%}
    {%- endfor -%}
    {%- set listed = run_query(sqlscore_feature_types_query(model_name, versions)).rows -%}
    {%- for name, sql_type in listed -%}
        {%- do _sqlscore_checked(name, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'feature name') -%}
        {%- do features.update({name: 'number' if sql_type == 'DOUBLE' else 'category'}) -%}
    {%- endfor -%}
    {%- set reference = run_query(
        "select feature, model_version, to_json("
        ~ sqlscore_ordered_list('cast(lower_edge as ' ~ text_type ~ ')', 'bin', 'lower_edge is not null')
        ~ ") from main.ml_reference_bins where model_name = '" ~ model_name ~ "' and kind = 'number' "
        ~ "group by feature, model_version order by feature, model_version").rows -%}
    {%- for feature, version, edge_json in reference -%}
        {%- do _sqlscore_checked(version | string, '[1-9][0-9]{0,8}', 'model version') -%}
        {%- set checked = [] -%}
        {%- for edge in fromjson(edge_json) or [] -%}
            {#- as the warehouse prints a double: 1e-07, inf (DuckDB); 1.0E-7, Infinity (Spark) -#}
            {%- do _sqlscore_checked(edge, '-?(inf|Infinity|[0-9.]+([eE][-+]?[0-9]+)?)', 'reference edge') -%}
            {%- do checked.append(edge) -%}
        {%- endfor -%}
        {%- do edges.setdefault(feature, {}).update({version: checked}) -%}
    {%- endfor -%}
    {#- the values each category feature takes at the as-of date, counted one by one below -#}
    {%- set categories = {} -%}
    {%- set category_features = features | dictsort | selectattr(1, 'equalto', 'category') | map(attribute=0) | list -%}
    {%- for feature in category_features -%}
        {%- do categories.update({feature: []}) -%}
    {%- endfor -%}
    {%- if category_features | length > 0 -%}
        {%- set selects = [] -%}
        {%- for feature in category_features -%}
            {%- do selects.append("select distinct '" ~ feature ~ "' as feature, nullif(cast("
                ~ adapter.quote(feature) ~ " as " ~ text_type ~ "), '') as value from "
                ~ features_model ~ " where as_of_date = " ~ as_of) -%}
        {%- endfor -%}
        {%- for feature, value in run_query("select * from (" ~ (selects | join(' union all '))
                                            ~ ") where value is not null order by 1, 2").rows -%}
            {%- do categories[feature].append(value) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endif %}
{% if not loop.first %}union all{% endif %}
{%- if features | length == 0 %}
select
    cast(null as {{ text_type }}) as model_name, cast(null as integer) as model_version,
    cast(null as date) as as_of_date, cast(null as {{ text_type }}) as segment_by,
    cast(null as {{ text_type }}) as segment, cast(null as {{ text_type }}) as feature,
    cast(null as bigint) as rows, cast(null as double) as null_rate, cast(null as double) as psi,
    cast(null as double) as js_distance, cast(null as {{ text_type }}) as status,
    cast(null as {{ text_type }}) as run_id
where false
{%- else %}
select * from (
    with

    -- each value cast once, here: a number to double, a category to text ('' as NULL); each
    -- entry of the row's segment list a plain column (grouping on the list itself costs more
    -- than every bin below)
    scored as (
        select
            r.model_name, r.model_version, {{ segment_slots(monitored, 'r') }},
            {%- for feature, kind in features.items() %}
            {%- if kind == 'number' %}
            cast(f.{{ adapter.quote(feature) }} as double) as {{ adapter.quote(feature) }}
            {%- else %}
            nullif(cast(f.{{ adapter.quote(feature) }} as {{ text_type }}), '') as {{ adapter.quote(feature) }}
            {%- endif %}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ features_model }} as f
        join {{ rows }} as r
            on r.entity_id = f.{{ adapter.quote(key) }} and r.as_of_date = f.as_of_date
        where r.as_of_date = {{ as_of }}
    ),

    -- each row's bin per feature, as an integer: a number's reference bin (0: unbinned), a
    -- category's position in the values listed at compile time (0: not listed, which stops the
    -- query below: every value is listed)
    binned_rows as (
        select
            model_name, model_version, {{ segment_columns(monitored) }},
            {%- for feature, kind in features.items() %}
            {%- set column = 'scored.' ~ adapter.quote(feature) %}
            {%- if kind == 'number' %}
            {{ number_bin_index(column, 'scored.model_version', edges.get(feature, {})) }}
            {%- else %}
            {%- set value = column %}
            case when {{ value }} is null then null
                 {%- for category in categories[feature] %}
                 when {{ value }} = '{{ category | replace("'", "''") }}' then {{ loop.index }}
                 {%- endfor %}
                 else 0 end
            {%- endif %} as {{ adapter.quote('f__' ~ feature) }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from scored
    ),

    -- one pass over the rows: every feature's bin counts (one-hot sums, one per bin) per model,
    -- version and segment list (one list per combination of segment values); the lists fan out
    -- to their segments afterwards, on these few counts rather than on the rows
    aggregated as (
        select
            model_name, model_version, {{ segment_columns(monitored) }}, count(*) as rows,
            {%- for feature, kind in features.items() %}
            {%- set column = adapter.quote('f__' ~ feature) %}
            {%- if kind == 'number' %}
            {%- set bins = [0] + range(1, ((edges.get(feature, {}).values() | map('length') | list) + [0]) | max + 2) | list %}
            {%- set keys = ['unbinned'] + range(1, bins | length) | map('string') | list %}
            {%- else %}
            {%- set bins = [0] + range(1, (categories[feature] | length) + 1) | list %}
            {%- set keys = ['(unlisted)'] + categories[feature] %}
            {%- endif %}
            {%- set key_literals = [] -%}
            {%- for key in keys -%}
                {%- do key_literals.append("'" ~ (key | replace("'", "''")) ~ "'") -%}
            {%- endfor -%}
            {%- set bin_counts = [] -%}
            {%- for bin in bins -%}
                {%- do bin_counts.append('cast(sum(cast((' ~ column ~ ' = ' ~ bin ~ ') as integer)) as bigint)') -%}
            {%- endfor %}
            {{ sqlscore_struct([('keys', sqlscore_list(key_literals)), ('counts', sqlscore_list(bin_counts)),
                                ('present', 'count(' ~ column ~ ')')]) }} as {{ column }}
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from binned_rows
        group by all
    ),

    long as (
        {%- set unpivoted = [] -%}
        {%- for feature in features -%}
            {%- do unpivoted.append(adapter.quote('f__' ~ feature)) -%}
        {%- endfor %}
        {{ sqlscore_unpivot('aggregated', unpivoted, 'feature_column', 'facts') }}
    ),

    scored_groups as (
        select
            long.model_name, long.model_version, {{ as_of }} as as_of_date, s.segment_by, s.segment,
            substr(long.feature_column, 4) as feature,
            cast(sum(long.rows) as bigint) as rows, cast(sum(long.facts.present) as bigint) as present
        from long
        {{ segment_fan_out(monitored, 'long') }}
        group by all
    ),

    -- an as-of date with no rows still gets a row per feature: rows 0, status no_data
    groups as (
        select * from scored_groups
        union all
        select
            '{{ model_name }}', {{ model_version(model_name) }}, {{ as_of }}, 'all', 'all', feature, 0, 0
        from (values {% for feature in features %}('{{ feature }}'){% if not loop.last %}, {% endif %}{% endfor %}) as listed(feature)
        where not exists (select 1 from scored_groups)
    ),

    list_counts as (
        select
            long.model_name, long.model_version,
            {{ segment_columns(monitored, 'long') }},
            substr(long.feature_column, 4) as feature, bin_key, n
        from long
        {{ sqlscore_unnest_pairs('long.facts.keys', 'long.facts.counts', 'pairs', 'bin_key', 'n') }}
    ),

    -- the bins with rows (as histogram() would give them); a category value not listed at compile
    -- time cannot happen (the list was read from the same rows) and would stop the query
    list_counts_present as (
        select * from list_counts
        where case
            when coalesce(n, 0) = 0 then false
            when bin_key = '(unlisted)'
                then {{ sqlscore_raise_error("'sqlscore: feature_drift: feature ' || feature || ' has values not listed when the model compiled'") }}
            else true
        end
    ),

    counts as (
        select
            list_counts.model_name, list_counts.model_version, {{ as_of }} as as_of_date, s.segment_by,
            s.segment, list_counts.feature, list_counts.bin_key, cast(sum(list_counts.n) as bigint) as n
        from list_counts_present as list_counts
        {{ segment_fan_out(monitored, 'list_counts') }}
        group by all
    ),

    measured as (
        {{ drift_against_reference('groups', 'counts', model_name, ['number', 'category']) }}
    )

    select
        cast(model_name as {{ text_type }}) as model_name,
        cast(model_version as integer) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(segment_by as {{ text_type }}) as segment_by,
        cast(segment as {{ text_type }}) as segment,
        cast(feature as {{ text_type }}) as feature,
        cast(rows as bigint) as rows,
        cast(case when rows > 0 then (rows - present) / rows end as double) as null_rate,
        cast(psi as double) as psi,
        cast(js_distance as double) as js_distance,
        cast(case
            when rows = 0 then 'no_data'
            when not has_reference then 'no_reference'
            else coalesce({{ drift_status(model_name, 'psi', 'psi') }}, 'no_data')
        end as {{ text_type }}) as status,
        cast({{ run_id() }} as {{ text_type }}) as run_id
    from measured
)
{%- endif %}
{% endfor %}
