{#-
  Scores are history: every as-of date keeps the scores it was published with. These two macros
  keep the scoring tables that way.
-#}

{#- full_refresh config of a scoring model: never (dbt's --full-refresh is ignored, so a habit
    cannot delete every score), unless a rebuild is asked for by name:
      dbt run -s scoring --full-refresh --vars '{rebuild_scores: true}'
    which rebuilds the tables from the current features: past as-of dates are lost. -#}
{% macro sqlscore_full_refresh() %}
    {{- return(none if var('rebuild_scores', false) else false) -}}
{% endmacro %}

{#- Post-hook: rows of the current as-of date whose key is no longer in the features (a deleted
    customer, a withdrawn application) are removed, so the scores of a date are exactly the
    entities that existed at it. Earlier dates are not touched, nor a frozen (past) date. -#}
{% macro remove_departed_keys(key, features) %}
    delete from {{ this }}
    where as_of_date = {{ as_of_date() }}
      and not {{ as_of_date_is_frozen() }}
      and {{ adapter.quote(key) }} not in (select {{ adapter.quote(key) }} from {{ features }})
{% endmacro %}

{#- SQL true when the run's as-of date is earlier than the newest date this scoring table holds
    and no backfill was asked for: a past date keeps the scores (and model versions) it was
    published with, whatever was promoted or corrected since. A backfill rescores it:
      sqlscore run --as-of 2026-09-30 --backfill     (dbt: --vars '{backfill: true}') -#}
{% macro as_of_date_is_frozen() %}
    {%- if var('backfill', false) is sameas true -%}
        false
    {%- else -%}
        ({{ as_of_date() }} < (select coalesce(max(as_of_date), {{ as_of_date() }}) from {{ this }}))
    {%- endif -%}
{% endmacro %}
