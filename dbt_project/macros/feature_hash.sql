{#- A stable fingerprint of an entity's feature values: a changed entity gets a new hash
    and is rescored; an unchanged one is left alone. NULLs are hashed as a marker. -#}
{% macro feature_hash(columns) %}
    md5(concat_ws('|'
    {%- for column in columns %},
        coalesce(cast({{ column }} as {{ sqlscore_type_string() }}), '␀')
    {%- endfor %}))
{% endmacro %}
