{#-
  Snapshot time is the run's as-of date, not the wall clock.

  dbt stamps snapshot versions with snapshot_get_time(); by default that is now, so a change
  loaded on Nov 3 and a run for Oct 31 made on Nov 4 would date the change Nov 4 and a later
  backfill of Oct 31 would read the old value although the original run read the new one. Stamped
  with the as-of date instead, "the version valid at D" is exactly what the run for D read, which
  is what makes a backfill reproduce a past date's scores. Only runs moving forward may stamp:
  see snapshot_moves_forward().
-#}
{% macro snapshot_get_time() -%}
    cast({{ as_of_date() }} as timestamp)
{%- endmacro %}

{#- Pre-hook of every snapshot: refuse to record versions dated before the newest one already
    recorded (a by-hand `dbt build` for a past date). Backfills read history, they do not write
    it: `sqlscore run --backfill` excludes snapshots, by hand add `--exclude resource_type:snapshot`. -#}
{% macro snapshot_moves_forward() %}
    {%- if execute and load_relation(this) is not none -%}
        {%- set newest = run_query(
            "select cast(cast(max(dbt_valid_from) as date) as " ~ sqlscore_type_string() ~ ") from " ~ this
            ~ " having max(dbt_valid_from) > cast(" ~ as_of_date() ~ " as timestamp)").rows -%}
        {%- if newest | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                "sqlscore: snapshot " ~ this.identifier ~ " holds versions dated " ~ newest[0][0]
                ~ ", after the as-of date " ~ var('as_of_date') ~ ": a past date reads history and does "
                ~ "not write it; exclude snapshots (--exclude resource_type:snapshot) or use "
                ~ "sqlscore run --backfill") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
