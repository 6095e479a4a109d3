{#-
  Drift and performance monitoring (models/monitoring): which models are watched, the thresholds
  their statuses come from, and the SQL pieces the three monitoring tables share. Every figure is
  computed in the warehouse; these macros only write SQL.
-#}

{#- The monitored models: the registry model, its scoring table, the view of its scores with
    labels and segments (models/monitoring/<model>_scores_labelled.sql), and the features model
    and key feature drift reads. A model is watched by adding it here and writing its view. -#}
{% macro sqlscore_monitored_models() %}
    {{ return([
        {'model': 'churn', 'scores': 'churn_scores', 'rows': 'churn_scores_labelled',
         'features': 'int_customers_featurized', 'key': 'customer_id', 'segments': ['region', 'plan']},
        {'model': 'risk', 'scores': 'risk_scores', 'rows': 'risk_scores_labelled',
         'features': 'int_loan_applications_featurized', 'key': 'application_id',
         'segments': ['purpose', 'home_ownership']},
    ]) }}
{% endmacro %}

{#- The segment columns of a monitored model (its entry's `segments`): its view builds its rows'
    segment lists from them, and the monitoring models know from their number how long every
    list is. -#}
{% macro monitored_segment_columns(model_name) %}
    {%- for monitored in sqlscore_monitored_models() if monitored['model'] == model_name -%}
        {{ return(monitored['segments']) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("sqlscore: no monitored model " ~ (model_name | tojson)) }}
{% endmacro %}

{#- SQL select items: each entry of a row's segment list as a column of its own (segment_1, the
    whole population, then one per segment column). Grouping on these few plain structs costs a
    fraction of grouping on the list itself (hashing and comparing a nested list per row), and
    `segment_fan_out` makes the list again from the groups. -#}
{% macro segment_slots(monitored, alias) %}
    {%- for k in range(1, (monitored['segments'] | length) + 2) -%}
        {{ sqlscore_list_element(alias ~ '.segments', k) }} as segment_{{ k }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- SQL: the columns `segment_slots` made, as a list of select items (`alias`.segment_1, ...). -#}
{% macro segment_columns(monitored, alias=none) %}
    {%- for k in range(1, (monitored['segments'] | length) + 2) -%}
        {% if alias %}{{ alias }}.{% endif %}segment_{{ k }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{#- SQL: a FROM-clause item giving each group one row per segment it belongs to (column s, a
    struct of segment_by and segment) from the columns `segment_slots` made, on the few grouped
    rows; last in its FROM clause (Spark's lateral view follows the joins). -#}
{% macro segment_fan_out(monitored, alias) %}
    {%- set slots = [] -%}
    {%- for k in range(1, (monitored['segments'] | length) + 2) -%}
        {%- do slots.append(alias ~ '.segment_' ~ k) -%}
    {%- endfor %}
    {{ sqlscore_fan_out(sqlscore_list(slots), 't', 's') }}
{%- endmacro %}

{#- A query: the as-of dates a monitoring model computes this run, one column as_of_date: the
    run's as-of date (so a date with no rows still gets its no_data row) and every date of
    `dates_from` (a relation with as_of_date) the incremental table does not hold yet for the
    model (all of them on the first build), only its rows of `kind` counted when given. The
    other dates are kept as they are. -#}
{% macro monitoring_dates_to_compute(dates_from, model_name, kind=none) %}
    select {{ as_of_date() }} as as_of_date
    union
    select distinct as_of_date from {{ dates_from }}
    {%- if is_incremental() %}
    where as_of_date not in (
        select as_of_date from {{ this }}
        where model_name = '{{ model_name }}'{% if kind is not none %} and kind = '{{ kind }}'{% endif %}
    )
    {%- endif %}
{%- endmacro %}

{#- A query: the dates with labels whose realised figures model_performance must (re)compute:
    labelled rows in `counts` (a relation with model_version, as_of_date, rows, rows_labelled)
    whose counts differ from the table's realised row of the date (none yet, or computed before
    late labels arrived). -#}
{% macro monitoring_realised_dates(counts, model_name) %}
    select distinct as_of_date from (
        select model_version, as_of_date, rows, rows_labelled from {{ counts }} where rows_labelled > 0
        {%- if is_incremental() %}
        except
        select model_version, as_of_date, rows, rows_labelled from {{ this }}
        where model_name = '{{ model_name }}' and kind = 'realised' and segment_by = 'all'
        {%- endif %}
    )
{%- endmacro %}

{#- A query of one column, as_of_date: the `dates` given (checked 'YYYY-MM-DD' texts), no row for
    none. -#}
{% macro monitoring_date_values(dates) %}
    {%- if dates | length == 0 -%}
    select cast(null as date) as as_of_date where false
    {%- else -%}
    select cast(as_of_date as date) as as_of_date
    from (values {% for day in dates | unique %}('{{ day }}'){% if not loop.last %}, {% endif %}{% endfor %}) as listed(as_of_date)
    {%- endif -%}
{%- endmacro %}

{#- SQL: `column` is one of `dates` (checked 'YYYY-MM-DD' texts) as a literal list, which DuckDB
    pushes into the scan of the table the column comes from; false for none. -#}
{% macro monitoring_date_filter(column, dates) %}
    {%- if dates | length == 0 -%}
    false
    {%- else -%}
    {{ column }} in ({% for day in dates | unique %}date '{{ day }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- {warn: x, block: y} for a model and metric (psi or auc_drop): var('sqlscore_drift_thresholds')'s
    value, overridden by its `models.<model>.<metric>` entries when present. Checked here, once:
    both numbers, warn <= block. -#}
{% macro drift_thresholds(model_name, metric) %}
    {%- set declared = var('sqlscore_drift_thresholds') -%}
    {%- if metric not in declared -%}
        {{ exceptions.raise_compiler_error("sqlscore: var sqlscore_drift_thresholds has no metric " ~ (metric | tojson)) }}
    {%- endif -%}
    {%- set merged = {} -%}
    {%- do merged.update(declared[metric]) -%}
    {%- do merged.update(((declared.get('models') or {}).get(model_name) or {}).get(metric) or {}) -%}
    {%- for level in ('warn', 'block') -%}
        {%- if merged.get(level) is not number or merged.get(level) is sameas true or merged.get(level) is sameas false -%}
            {{ exceptions.raise_compiler_error(
                "sqlscore: var sqlscore_drift_thresholds: " ~ metric ~ "." ~ level ~ " of model " ~ model_name
                ~ " must be a number, not " ~ (merged.get(level) | tojson)) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if merged['warn'] > merged['block'] -%}
        {{ exceptions.raise_compiler_error(
            "sqlscore: var sqlscore_drift_thresholds: " ~ metric ~ " of model " ~ model_name
            ~ " warns at " ~ merged['warn'] ~ ", above its block threshold " ~ merged['block']) }}
    {%- endif -%}
    {{ return({'warn': merged['warn'] | float, 'block': merged['block'] | float}) }}
{% endmacro %}

{#- SQL: the status of a drift figure against the model's thresholds: 'drift' above block, 'warn'
    above warn, else 'ok'; NULL when the figure is NULL (the caller says why: no_data,
    no_reference). -#}
{% macro drift_status(model_name, metric, value) %}
    {%- set limits = drift_thresholds(model_name, metric) -%}
    case
        when {{ value }} > {{ limits['block'] }} then 'drift'
        when {{ value }} > {{ limits['warn'] }} then 'warn'
        when {{ value }} is not null then 'ok'
    end
{%- endmacro %}

{#- SQL: the bin index of a number against the reference bins of each version of `bins`
    (model_version -> list of edges), an integer: bin k (1-based) holds edge[k-1] <= v < edge[k],
    the profile's convention; NULL for NULL and NaN (the null rate); 0 for a value of a version
    without bins for it (counted as present, bin key 'unbinned'; its drift is no_reference).
    Edges are written as DuckDB printed them (shortest round trip), so they are the reference's
    doubles exactly. -#}
{% macro number_bin_index(column, version_column, bins) %}
    case
        when {{ column }} is null or isnan({{ column }}) then null
        {%- for version, edges in bins.items() %}
        when {{ version_column }} = {{ version }} then 1
            {%- for edge in edges %} + ({{ column }} >= cast('{{ edge }}' as double))::integer{% endfor %}
        {%- endfor %}
        else 0
    end
{%- endmacro %}

{#- A query: PSI and Jensen-Shannon distance of each group of `groups` (a relation with
    model_name, model_version, as_of_date, segment_by, segment, feature, rows, present) against
    the reference bins of its version and feature, from the bin counts in `counts` (the same
    keys plus bin_key, n). Returns the groups' columns plus psi, js_distance, has_reference.

    Shares are of the non-null rows (`present`) and of the reference's non-null rows. Bins are
    the reference's plus any bin only the run has (a category never seen in training: reference
    share 0); a category outside a profile that kept only its top categories counts in that
    profile's 'other' bin. PSI = sum((a - r) * ln(a / r)) with a share of 0 taken as 0.0001 on
    either side (Evidently's convention: an empty bin must not make PSI infinite); JS distance =
    scipy's jensenshannon with base 2 (0 identical, 1 disjoint). -#}
{% macro drift_against_reference(groups, counts, model_name, kinds) %}
    {%- set keys = 'model_name, model_version, as_of_date, segment_by, segment, feature' -%}
    with

    reference as (
        select
            model_name, model_version, feature,
            case when kind = 'category' then category else cast(bin as {{ sqlscore_type_string() }}) end as bin_key,
            kind = 'category' and category is null as is_other,
            reference_share
        from main.ml_reference_bins
        where model_name = '{{ model_name }}' and kind in ('{{ kinds | join("', '") }}')
    ),

    referenced as (
        select distinct model_name, model_version, feature from reference
    ),

    others as (
        select model_name, model_version, feature from reference where is_other
    ),

    mapped as (
        select
            counts.model_name, counts.model_version, counts.as_of_date, counts.segment_by,
            counts.segment, counts.feature,
            case when kept.bin_key is null and others.feature is not null then null
                 else counts.bin_key end as bin_key,
            sum(counts.n) as n
        from {{ counts }} as counts
        left join reference as kept
            on kept.model_name = counts.model_name and kept.model_version = counts.model_version
           and kept.feature = counts.feature and kept.bin_key = counts.bin_key
        left join others
            on others.model_name = counts.model_name and others.model_version = counts.model_version
           and others.feature = counts.feature
        group by all
    ),

    bin_keys as (
        select {{ keys }}, bin_key from mapped
        union
        select groups.model_name, groups.model_version, groups.as_of_date, groups.segment_by,
               groups.segment, groups.feature, reference.bin_key
        from {{ groups }} as groups
        join reference using (model_name, model_version, feature)
    ),

    paired as (
        select
            {% for key in keys.split(', ') %}bin_keys.{{ key }}, {% endfor %}
            coalesce(mapped.n, 0) / groups.present as actual_share,
            coalesce(reference.reference_share, 0) as reference_share
        from bin_keys
        join {{ groups }} as groups using ({{ keys }})
        left join mapped
            on {% for key in keys.split(', ') %}mapped.{{ key }} = bin_keys.{{ key }} and {% endfor %}
               mapped.bin_key is not distinct from bin_keys.bin_key
        left join reference
            on reference.model_name = bin_keys.model_name and reference.model_version = bin_keys.model_version
           and reference.feature = bin_keys.feature and reference.bin_key is not distinct from bin_keys.bin_key
        where groups.present > 0
    ),

    measured as (
        select
            {{ keys }},
            sum(
                (case when actual_share = 0 then 0.0001 else actual_share end
                 - case when reference_share = 0 then 0.0001 else reference_share end)
                * ln((case when actual_share = 0 then 0.0001 else actual_share end)
                     / (case when reference_share = 0 then 0.0001 else reference_share end))
            ) as psi,
            sqrt(greatest(0, sum(
                case when actual_share > 0
                     then actual_share * ln(actual_share / ((actual_share + reference_share) / 2)) else 0 end
                + case when reference_share > 0
                       then reference_share * ln(reference_share / ((actual_share + reference_share) / 2)) else 0 end
            ) / 2 / ln(2))) as js_distance
        from paired
        group by all
    )

    select
        groups.*,
        case when referenced.feature is not null then measured.psi end as psi,
        case when referenced.feature is not null then measured.js_distance end as js_distance,
        referenced.feature is not null as has_reference
    from {{ groups }} as groups
    left join measured using ({{ keys }})
    left join referenced using (model_name, model_version, feature)
{%- endmacro %}

{#- SQL: the text of a segment value, '(missing)' for NULL (a group of its own). -#}
{% macro segment_value(column) %}coalesce(cast({{ column }} as {{ sqlscore_type_string() }}), '(missing)'){% endmacro %}

{#- SQL: the segments a row belongs to, as a list of struct(segment_by, segment): the whole
    population ('all', 'all') and one entry per segment column. -#}
{% macro monitoring_segments(columns) %}
    {%- set entries = [sqlscore_struct([('segment_by', "'all'"), ('segment', "'all'")])] -%}
    {%- for column in columns -%}
        {%- do _sqlscore_checked(column, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'segment column') -%}
        {%- do entries.append(sqlscore_struct([('segment_by', "'" ~ column ~ "'"),
                                               ('segment', segment_value(adapter.quote(column)))])) -%}
    {%- endfor -%}
    {{ sqlscore_list(entries) }}
{%- endmacro %}

{#- The type of the lists `monitoring_segments` makes: a list of struct(segment_by, segment). -#}
{% macro monitoring_segments_type() %}
    {{- sqlscore_type_list(sqlscore_type_struct([('segment_by', sqlscore_type_string()),
                                                  ('segment', sqlscore_type_string())])) -}}
{%- endmacro %}

{#- SQL: an error (sqlscore_raise_error, raised when the query runs) when `relation` holds a key
    of `columns` more than once, naming the table and an example key; 0 otherwise. Used as a
    guard: labels given twice would count a customer twice in every metric. -#}
{% macro refuse_duplicated_keys(relation, columns, table_name) %}
    {%- set message -%}
        'sqlscore: the labels in {{ table_name }} repeat the key ({{ columns | join(", ") }}): '
        || count_keys || ' key(s) given more than once, e.g. ('
        || {% for column in columns %}cast({{ adapter.quote(column) }} as {{ sqlscore_type_string() }}){% if not loop.last %} || ', ' || {% endif %}{% endfor %}
        || ')'
    {%- endset %}
    (select count({{ sqlscore_raise_error(message) }})
     from (
        select *, count(*) over () as count_keys
        from (
            select {% for column in columns %}{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}{% endfor %}
            from {{ relation }}
            group by all
            having count(*) > 1
        )
        limit 1
     ))
{%- endmacro %}
