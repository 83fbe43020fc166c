{# The newest delivery of each key: a later file (higher _file_id) supersedes an earlier one;
   raw keeps both, so history stays queryable. Adds _delivered_at (when that file landed). #}
{% macro latest_delivery(extract, key) %}
select r.* exclude (_rank), f.received_at as _delivered_at
from (
    select *, row_number() over (partition by {{ key | join(', ') }} order by _file_id desc, _row desc) as _rank
    from {{ source('raw', extract) }}
) as r
join {{ source('meta', 'files') }} as f on f.file_id = r._file_id
where r._rank = 1
{% endmacro %}
