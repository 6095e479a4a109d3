{#- dbt's relationships test, on the rows of the run's as-of date only. Scores are history: a
    customer deleted since keeps the scores of the dates it existed at, which the plain test
    would then report on every later run. -#}
{% test relationships_on_as_of_date(model, column_name, to, field) %}
select child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent on parent.{{ field }} = child.{{ column_name }}
where child.as_of_date = {{ as_of_date() }}
  and child.{{ column_name }} is not null
  and parent.{{ field }} is null
{% endtest %}
