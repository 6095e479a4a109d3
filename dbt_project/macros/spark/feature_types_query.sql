{#- A query listing the features (name, sql_type) of some versions of a model, from
    main.ml_models' parallel lists feature_names and feature_sql_types, in the order of the
    earliest version and position each first appears at: DuckDB unnests both lists beside
    generate_subscripts, Spark posexplodes the names and reads the type at the same position.
    `versions` are checked integers. -#}
{% macro sqlscore_feature_types_query(model_name, versions) -%}
    {{ return(adapter.dispatch('sqlscore_feature_types_query', 'sqlscore_dbt')(model_name, versions)) }}
{%- endmacro %}

{% macro default__sqlscore_feature_types_query(model_name, versions) -%}
    select f.name, f.sql_type from (
        select model_version, unnest(feature_names) as name, unnest(feature_sql_types) as sql_type,
               generate_subscripts(feature_names, 1) as position
        from main.ml_models where model_name = '{{ model_name }}' and model_version in ({{ versions | join(', ') }})
    ) as f
    group by f.name, f.sql_type order by min(f.model_version), min(f.position)
{%- endmacro %}

{% macro spark__sqlscore_feature_types_query(model_name, versions) -%}
    select f.name, f.sql_type from (
        select model_version, name, element_at(feature_sql_types, position + 1) as sql_type, position
        from main.ml_models lateral view posexplode(feature_names) t as position, name
        where model_name = '{{ model_name }}' and model_version in ({{ versions | join(', ') }})
    ) as f
    group by f.name, f.sql_type order by min(f.model_version), min(f.position)
{%- endmacro %}
