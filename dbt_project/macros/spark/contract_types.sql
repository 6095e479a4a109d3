{#- Enforced contracts on Spark. The models' yml declare DuckDB's type names (varchar, timestamp
    with time zone), the published tables' API; dbt checks a contract by casting NULL to each
    declared type, which Spark's parser refuses for those two. Here they are cast to the Spark
    type that holds the same values (string; timestamp, kept in UTC by sqlscore's sessions),
    every other declared type as written, so the contract still fails on any other mismatch. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'timestamp with time zone': 'timestamp',
                           'timestamptz': 'timestamp'} -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = dict(columns[name]) -%}
        {%- if column.get('data_type') is string -%}
            {%- set declared = column['data_type'].strip().lower() -%}
            {%- do column.update({'data_type': spark_names.get(declared, column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{% endmacro %}
