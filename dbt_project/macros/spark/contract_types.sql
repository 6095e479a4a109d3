{#- Enforced contracts on Spark. The models' yml declare DuckDB's type names (varchar, timestamp
    with time zone, `T[]` lists, `struct(name T, ...)`), the published tables' API; dbt checks a
    contract by casting NULL to each declared type, which Spark's parser refuses for those. Here
    they are cast to the Spark type that holds the same values (string; timestamp, kept in UTC by
    sqlscore's sessions; array<T>; struct<name:T, ...>), every other declared type as written,
    so the contract still fails on any other mismatch. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = dict(columns[name]) -%}
        {%- if column.get('data_type') is string -%}
            {%- do column.update({'data_type': sqlscore_spark_type_name(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{% endmacro %}

{#- The Spark name of a type declared with DuckDB's name (see spark__get_empty_schema_sql): lists
    and structs translated field by field (a struct's fields hold no struct in this project). -#}
{% macro sqlscore_spark_type_name(declared) %}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'timestamp with time zone': 'timestamp',
                           'timestamptz': 'timestamp'} -%}
    {%- set type_name = declared.strip() -%}
    {%- if type_name.endswith('[]') -%}
        {{ return('array<' ~ sqlscore_spark_type_name(type_name[:-2]) ~ '>') }}
    {%- elif type_name.lower().startswith('struct(') and type_name.endswith(')') -%}
        {%- set fields = [] -%}
        {%- for field in type_name[7:-1].split(',') -%}
            {%- set parts = field.strip().split(' ', 1) -%}
            {%- do fields.append(parts[0] ~ ':' ~ sqlscore_spark_type_name(parts[1])) -%}
        {%- endfor -%}
        {{ return('struct<' ~ (fields | join(', ')) ~ '>') }}
    {%- endif -%}
    {{ return(spark_names.get(type_name.lower(), declared)) }}
{% endmacro %}
