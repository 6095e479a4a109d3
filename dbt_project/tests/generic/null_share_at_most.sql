{#- Fails when more than max_share of the rows have a NULL in the column: a flood of NULLs
    would be imputed silently by the model, so it is caught here, before scoring. -#}
{% test null_share_at_most(model, column_name, max_share) %}
select
    count(*) filter (where {{ column_name }} is null) / nullif(count(*), 0)::double as null_share,
    {{ max_share }} as max_share
from {{ model }}
having count(*) filter (where {{ column_name }} is null) / nullif(count(*), 0)::double > {{ max_share }}
{% endtest %}
