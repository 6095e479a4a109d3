{#-
  Snapshots on Spark without Delta, Iceberg or Hudi (dbt-spark's own snapshot needs one of them
  for its MERGE, and sqlscore downloads no jar): the next state of the snapshot is computed in one
  query into a Parquet table beside it, then takes its name. The check strategy on every column
  with hard deletes invalidated, the configuration of snapshots/_snapshots.yml:
    - closed versions (dbt_valid_to set) are kept as they are;
    - an open version whose row is unchanged in the source (every column equal, NULLs equal) stays open;
    - an open version whose row changed or left the source is closed at the snapshot time;
    - a source row with no unchanged open version opens a new version at the snapshot time.
  The snapshot time is snapshot_get_time() (macros/snapshot_time.sql: the run's as-of date), and the
  pre-hook (snapshot_moves_forward) runs first, as on DuckDB.
-#}
{% materialization snapshot, adapter='spark' %}
    {%- set target_relation = api.Relation.create(schema=model.schema, identifier=model.alias, type='table') -%}
    {%- set next_relation = api.Relation.create(schema=model.schema, identifier=model.alias ~ '__sqlscore_next', type='table') -%}
    {%- set existing = load_relation(target_relation) -%}
    {%- set key = config.get('unique_key') -%}
    {%- do _sqlscore_checked(key, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'snapshot key') -%}
    {{ run_hooks(pre_hooks) }}
    {%- do adapter.create_schema(target_relation) -%}
    {%- set now = snapshot_get_time() -%}
    {%- set source_sql = model['compiled_code'] -%}
    {%- if existing is none -%}
        {%- set columns = get_column_schema_from_query(source_sql) | map(attribute='name') | list -%}
    {%- else -%}
        {%- set columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(existing) if not column.name.startswith('dbt_') -%}
            {%- do columns.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set listed = columns | join(', ') -%}
    {%- set same = [] -%}
    {%- for column in columns -%}
        {%- do same.append('o.' ~ column ~ ' <=> s.' ~ column) -%}
    {%- endfor -%}
    {%- set new_versions -%}
        select {% for column in columns %}s.{{ column }}, {% endfor %}
               md5(concat_ws('|', cast(s.{{ key }} as string), cast({{ now }} as string))) as dbt_scd_id,
               {{ now }} as dbt_updated_at,
               {{ now }} as dbt_valid_from,
               cast(null as timestamp) as dbt_valid_to
        from source s
        {%- if existing is not none %}
        left anti join open_versions o on {{ same | join(' and ') }}
        {%- endif %}
    {%- endset -%}
    {% do adapter.drop_relation(next_relation) %}
    {% call statement('main') %}
        create table {{ next_relation }} using parquet as
        with source as ({{ source_sql }})
        {%- if existing is not none %},
        open_versions as (select * from {{ existing }} where dbt_valid_to is null)
        select * from {{ existing }} where dbt_valid_to is not null
        union all
        select o.* from open_versions o left semi join source s on {{ same | join(' and ') }}
        union all
        select {% for column in columns %}o.{{ column }}, {% endfor %}o.dbt_scd_id, o.dbt_updated_at, o.dbt_valid_from,
               {{ now }} as dbt_valid_to
        from open_versions o left anti join source s on {{ same | join(' and ') }}
        union all
        {%- endif %}
        {{ new_versions }}
    {% endcall %}
    {% do adapter.drop_relation(target_relation) %}
    {% do adapter.rename_relation(next_relation, target_relation) %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
