{#-
  Scoring through the warehouse functions without hard-coding a function name, a feature
  order, a model version or a sha256: all of them come from ml_functions, the table the
  sqlscore plugin writes when it registers the functions (one row per function, with the
  model version it is bound to and the card's feature names in argument order).
-#}

{#- The ml_functions row of the function that scores `model_name`: predict_<model> when no
    engine is asked for or engine is 'auto' (predict_<model> is declared with engine auto unless
    udfs/functions.yml says otherwise: the faster exact engine for its version, measured once);
    otherwise the score function declared for that model and engine
    (predict_<model> itself when it has that engine, else e.g. predict_<model>_sql).
    With `registry_alias` (challenger): predict_<model>_<alias>, the function bound to that
    alias, and none (no compile error) when the model has no such alias or its function could
    not be registered: a shadow model then scores nothing, the champion's run goes on. -#}
{% macro _sqlscore_function_row(model_name, engine, registry_alias=none) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do _sqlscore_checked(model_name, '[a-z][a-z0-9_]{0,62}', 'model name') -%}
    {%- if engine is not none and engine not in ('auto', 'onnx', 'sql') -%}
        {{ exceptions.raise_compiler_error("sqlscore: engine must be 'onnx' or 'sql' (or 'auto', the default), not " ~ (engine | tojson)) }}
    {%- endif -%}
    {%- if engine == 'auto' -%}
        {%- set engine = none -%}
    {%- endif -%}
    {%- set default_name = 'predict_' ~ model_name -%}
    {%- if registry_alias is not none -%}
        {%- do _sqlscore_checked(registry_alias, '[a-z][a-z0-9_]{0,30}', 'alias') -%}
        {%- set rows = run_query(
            "select function_name, model_name, model_version, model_sha256, engine, "
            ~ sqlscore_array_join('feature_names', "','") ~ ", " ~ sqlscore_array_join('score_decile_edges', "','") ~ ", error "
            ~ "from main.ml_functions where function_name = '" ~ default_name ~ "_" ~ registry_alias
            ~ "' and error is null").rows -%}
        {%- if rows | length == 0 -%}
            {{ return(none) }}
        {%- endif -%}
    {%- else -%}
    {%- set query -%}
        select function_name, model_name, model_version, model_sha256, engine,
               {{ sqlscore_array_join('feature_names', "','") }}, {{ sqlscore_array_join('score_decile_edges', "','") }}, error
        from main.ml_functions
        {%- if engine is none %}
        where function_name = '{{ default_name }}'
        {%- else %}
        {# the functions bound to another alias (predict_<model>_challenger) never stand in for
           the champion's, and their failure is not the champion's #}
        where ((model_name = '{{ model_name }}' and engine = '{{ engine }}' and output = 'score')
               or (error is not null and {{ sqlscore_starts_with('function_name', "'" ~ default_name ~ "'") }}))
          and not {{ sqlscore_starts_with('function_name', "'" ~ default_name ~ "_challenger'") }}
        order by error is not null, function_name = '{{ default_name }}' desc, function_name
        {%- endif %}
        limit 1
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- endif -%}
    {%- if rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "sqlscore: no function scores model " ~ model_name
            ~ (" with engine " ~ engine if engine is not none else "")
            ~ "; declare one in udfs/functions.yml (and check `sqlscore models verify`; the plugin prints why"
            ~ " a function was not registered)") }}
    {%- endif -%}
    {%- if rows[0][7] -%}
        {{ exceptions.raise_compiler_error("sqlscore: " ~ rows[0][7]) }}
    {%- endif -%}
    {#- Everything below is spliced into SQL: checked again, whoever wrote ml_functions. -#}
    {%- do _sqlscore_checked(rows[0][0], '[A-Za-z_][A-Za-z0-9_]{0,62}', 'function name') -%}
    {%- do _sqlscore_checked(rows[0][1], '[a-z][a-z0-9_]{0,62}', 'model name') -%}
    {%- do _sqlscore_checked(rows[0][2] | string, '[1-9][0-9]{0,8}', 'model version') -%}
    {%- do _sqlscore_checked(rows[0][3], '[0-9a-f]{64}', 'model sha256') -%}
    {%- for feature in rows[0][5].split(',') -%}
        {%- do _sqlscore_checked(feature, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'feature name') -%}
    {%- endfor -%}
    {{ return(rows[0]) }}
{% endmacro %}

{#- Refuse (compile error) a value that does not match `pattern` as a whole. Names are checked,
    not escaped: a name that needs escaping is not a name sqlscore ever writes. -#}
{% macro _sqlscore_checked(value, pattern, what) %}
    {%- if value is not string or modules.re.fullmatch(pattern, value) is none -%}
        {{ exceptions.raise_compiler_error("sqlscore: invalid " ~ what ~ " " ~ (value | string | tojson)) }}
    {%- endif -%}
{% endmacro %}

{#- predict('churn') -> predict_churn(tenure_months, plan, ...) with the card's argument order. -#}
{% macro predict(model_name, engine=none, relation_alias=none, registry_alias=none) %}
    {%- set row = _sqlscore_function_row(model_name, engine, registry_alias) -%}
    {%- if row is none -%}
        cast(null as double)
    {%- else -%}
        {%- set prefix = (relation_alias ~ '.') if relation_alias else '' -%}
        {%- set args = [] -%}
        {%- for feature in row[5].split(',') -%}
            {%- do args.append(prefix ~ adapter.quote(feature)) -%}
        {%- endfor -%}
        {{ row[0] }}({{ args | join(', ') }})
    {%- endif -%}
{% endmacro %}

{#- The provenance columns every scored row carries. -#}
{% macro model_provenance(model_name, engine=none, registry_alias=none) %}
    {%- set row = _sqlscore_function_row(model_name, engine, registry_alias) -%}
    {%- if row is none -%}
        cast(null as {{ sqlscore_type_string() }}) as model_name,
        cast(null as integer) as model_version,
        cast(null as {{ sqlscore_type_string() }}) as model_sha256
    {%- else -%}
        cast('{{ row[1] }}' as {{ sqlscore_type_string() }}) as model_name,
        cast({{ row[2] }} as integer) as model_version,
        cast('{{ row[3] }}' as {{ sqlscore_type_string() }}) as model_sha256
    {%- endif -%}
{% endmacro %}

{#- The model version predict() is bound to, for incremental filters. -#}
{% macro model_version(model_name, registry_alias=none) %}
    {%- set row = _sqlscore_function_row(model_name, none, registry_alias) -%}
    {{- 'cast(null as integer)' if row is none else row[2] -}}
{% endmacro %}

{#- Decile 1..10 of a score against the deciles of the model's held-out scores (from the card),
    so a decile means the same thing whichever rows a run happens to score. -#}
{% macro score_decile(model_name, score_column) %}
    {%- set row = _sqlscore_function_row(model_name, none) -%}
    {%- if row is none or not row[6] -%}
        cast(null as integer)
    {%- else -%}
        cast(1 {% for edge in row[6].split(',') %} + ({{ score_column }} > {{ edge }})::integer{% endfor %} as integer)
    {%- endif -%}
{% endmacro %}

{#- Risk band from var('risk_bands'), lower bounds inclusive. -#}
{% macro risk_band(score_column) %}
    case
    {%- for band in var('risk_bands') | reverse %}
        when {{ score_column }} >= {{ band['min'] }} then '{{ band['band'] }}'
    {%- endfor %}
    end
{% endmacro %}

{#- The relation path (sqlscore/functions/relation.py): the rows of `source_sql` streamed through
    onnxruntime in record batches of 65,536 rows, instead of the function's one Python call per
    2,048 rows, written to a Parquet file this run's statement reads. Returns the relation to
    select `keep` and `score` from, or none for predict()'s per-row call: when the function
    model_name's predict() would call is not onnxruntime (compiled SQL is already a plain
    expression), on another warehouse than DuckDB, or when the rows number fewer than
    var('sqlscore_relation_min_rows') (default 100,000; -1: never). Same function, same version,
    same scores (onnxruntime either way); provenance comes from ml_functions as for predict(). -#}
{% macro sqlscore_relation_scores(model_name, source_sql, keep, engine=none, registry_alias=none) %}
    {%- set minimum = var('sqlscore_relation_min_rows', 100000) | int -%}
    {%- if not execute or target.type != 'duckdb' or minimum < 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = _sqlscore_function_row(model_name, engine, registry_alias) -%}
    {%- if row is none or row[4] != 'onnx' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for column in keep -%}
        {%- do _sqlscore_checked(column, '[A-Za-z_][A-Za-z0-9_]{0,62}', 'column') -%}
    {%- endfor -%}
    {%- set path = run_query(
        "select sqlscore_score_relation('" ~ row[0] ~ "', '" ~ (source_sql | replace("'", "''"))
        ~ "', '" ~ (keep | join(',')) ~ "', " ~ minimum ~ ")").rows[0][0] -%}
    {%- if path is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("read_parquet('" ~ (path | replace("'", "''")) ~ "')") }}
{% endmacro %}
