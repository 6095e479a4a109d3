{#-
  The whole body of a scoring model, so that adding a model copies no scoring SQL:

      {{ score_incrementally('churn', key='customer_id', features='int_customers_featurized',
                             score_column='churn_probability') }}

  Incremental on (key, as_of_date). A row is (re)scored when its key is new at the as-of date,
  when its features changed (feature_hash, over exactly the arguments the bound function takes,
  read from ml_functions: no hand-written column list), or when predict(model_name) is bound to
  another model version than the one that scored it. A run for a past as-of date scores nothing
  unless a backfill is asked for (as_of_date_is_frozen); --full-refresh is ignored
  (sqlscore_full_refresh); keys that left the features leave the current date (remove_departed_keys).
  Columns: key, as_of_date, score_column, <model>_decile, extra_columns (name -> SQL over the
  score), model_name, model_version, model_sha256, run_id, scored_at, feature_hash.
  Its meta.sqlscore (scores, key, features, score_column) tells sqlscore which model a table
  holds the scores of (`sqlscore expectations init` reads it).

  Shadow scoring: with registry_alias='challenger' the same body scores the same rows with the
  function bound to <model>@challenger (predict_<model>_challenger: its version, sha256, feature
  order from ml_functions), into scoring.<model>_shadow_scores. Its decile is placed on the
  champion's deciles (the champion's card), the scale of the champion's table: a row whose two
  deciles differ is a row whose rank band the challenger would move. Its meta says
  shadow_scores (not scores), so nothing takes it for the champion's table; nothing publishes it.
  When the model has no challenger (or its function could not be registered: the run's log and
  ml_functions.error say why) the table is still built, and that run adds no rows to it.
-#}
{% macro score_incrementally(model_name, key, features, score_column, extra_columns={}, registry_alias=none) %}
{%- do _sqlscore_checked(key, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'key column') -%}
{%- do _sqlscore_checked(score_column, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'score column') -%}
{%- do _sqlscore_checked(features, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'features model') -%}
{%- set engine = var('scoring_engine') -%}
{%- set key_column = adapter.quote(key) -%}
{%- if registry_alias is none -%}
    {%- set meta = {'scores': model_name, 'key': key, 'features': features, 'score_column': score_column} -%}
{%- else -%}
    {%- set meta = {'shadow_scores': model_name, 'alias': registry_alias, 'key': key, 'features': features,
                    'score_column': score_column} -%}
{%- endif -%}
{%- set unbound = registry_alias is not none and execute
                  and _sqlscore_function_row(model_name, none, registry_alias) is none -%}
{%- if unbound -%}
    {%- set failed = run_query("select error from main.ml_functions where function_name = 'predict_"
                               ~ model_name ~ "_" ~ registry_alias ~ "' and error is not null").rows -%}
    {%- if failed | length > 0 -%}
        {%- do exceptions.warn("sqlscore: " ~ this.identifier ~ " scores nothing this run: " ~ failed[0][0]) -%}
    {%- else -%}
        {%- do log("sqlscore: " ~ this.identifier ~ " scores nothing this run: model " ~ model_name
                   ~ " has no " ~ registry_alias ~ " alias", info=true) -%}
    {%- endif -%}
{%- elif registry_alias is not none and execute -%}
    {#- a challenger trained on a column the features model does not have: warned and skipped, the
        champion's run goes on (its own missing column is an error, as ever) -#}
    {%- set bound = _sqlscore_function_row(model_name, none, registry_alias) -%}
    {%- set present = adapter.get_columns_in_relation(ref(features)) | map(attribute='name') | list -%}
    {%- set absent = [] -%}
    {%- for feature in bound[5].split(',') if feature not in present -%}
        {%- do absent.append(feature) -%}
    {%- endfor -%}
    {%- if absent -%}
        {%- do exceptions.warn("sqlscore: " ~ this.identifier ~ " scores nothing this run: model "
            ~ model_name ~ ":" ~ bound[2] ~ " (" ~ registry_alias ~ ") takes column(s) " ~ absent | join(', ')
            ~ " that " ~ features ~ " does not have") -%}
        {%- set unbound = true -%}
        {#- every helper below then finds no function for this alias and writes typed NULLs -#}
        {%- set registry_alias = registry_alias ~ '_lacks_columns' -%}
    {%- endif -%}
{%- endif -%}
{#- the history strategy differs per warehouse: delete+insert on DuckDB, a partition per as-of
    date on Spark (macros/spark/scoring_strategy.sql) -#}
{{ config(
    full_refresh=sqlscore_full_refresh(),
    meta={'sqlscore': meta},
    **sqlscore_scoring_config(key, features)
) }}

{%- set rows_to_score -%}
features as (
    select
        *,
        {{ model_feature_hash(model_name, registry_alias) }} as feature_hash
    from {{ ref(features) }}
),

to_score as (
    select * from features
    {% if unbound %}
    where false
    {% elif is_incremental() %}
    where not {{ as_of_date_is_frozen() }}
    {% if not sqlscore_rescores_whole_date() %}
      and not exists (
        select 1
        from {{ this }} as scored
        where scored.{{ key_column }} = features.{{ key_column }}
          and scored.as_of_date = features.as_of_date
          and scored.feature_hash = features.feature_hash
          and scored.model_version = {{ model_version(model_name, registry_alias) }}
    )
    {% endif %}
    {% endif %}
)
{%- endset -%}
{#- a large relation on an onnxruntime function goes through the relation path (predict.sql) -#}
{%- set relation = none if unbound else sqlscore_relation_scores(
        model_name, 'with ' ~ rows_to_score ~ ' select * from to_score',
        [key, 'as_of_date', 'feature_hash'], engine=engine, registry_alias=registry_alias) %}

with

{{ rows_to_score }},

scored as (
    select
        {{ key_column }},
        as_of_date,
        feature_hash,
        {% if relation is none -%}
        {{ predict(model_name, engine=engine, relation_alias='to_score', registry_alias=registry_alias) }} as score
    from to_score
        {%- else -%}
        score
    from {{ relation }}
        {%- endif %}
),

final as (
    select
        {{ key_column }},
        cast(as_of_date as date) as as_of_date,
        cast(score as double) as {{ adapter.quote(score_column) }},
        {{ score_decile(model_name, 'score') }} as {{ adapter.quote(model_name ~ '_decile') }},
        {%- for name, expression in extra_columns.items() %}
        {%- do _sqlscore_checked(name, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'extra column') %}
        {{ expression }} as {{ adapter.quote(name) }},
        {%- endfor %}
        {{ model_provenance(model_name, engine=engine, registry_alias=registry_alias) }},
        cast({{ run_id() }} as {{ sqlscore_type_string() }}) as run_id,
        cast(current_timestamp as {{ sqlscore_type_timestamp_tz() }}) as scored_at,
        cast(feature_hash as {{ sqlscore_type_string() }}) as feature_hash
    from scored
)

select * from final
{% endmacro %}

{#- feature_hash over the arguments of the function predict(model_name) is bound to, in order
    (with registry_alias: of the function bound to that alias). -#}
{% macro model_feature_hash(model_name, registry_alias=none) %}
    {%- set row = _sqlscore_function_row(model_name, none, registry_alias) -%}
    {%- if row is none -%}
        cast(null as {{ sqlscore_type_string() }})
    {%- else -%}
        {%- set columns = [] -%}
        {%- for feature in row[5].split(',') -%}
            {%- do _sqlscore_checked(feature, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'feature name') -%}
            {%- do columns.append(adapter.quote(feature)) -%}
        {%- endfor -%}
        {{ feature_hash(columns) }}
    {%- endif -%}
{% endmacro %}
