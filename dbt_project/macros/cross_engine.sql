{# One project, two engines (issue 19): the SQL that DuckDB and Spark write differently, each as a
   dispatched macro. default__ is DuckDB's own SQL, exactly as the models had it, so the DuckDB build
   does not move by a bit; spark__ is the same computation in Spark SQL. Where dbt's cross-database
   macros (dbt.type_string, dbt.datediff …) give the same answer on both engines they are used; where
   they do not (dbt-spark's month difference is not DuckDB's count of month boundaries), the macro
   here says why. #}

{# Text, for a cast: DuckDB's VARCHAR, Spark's STRING (Spark wants a length after VARCHAR). #}
{% macro text_type() -%}
{{ return(adapter.dispatch('text_type')()) }}
{%- endmacro %}
{% macro default__text_type() %}{{ return('varchar') }}{% endmacro %}
{% macro spark__text_type() %}{{ return(dbt.type_string()) }}{% endmacro %}

{# The text of a date or time by a strftime format (%Y %m %d %H %M %S), as DuckDB's strftime. #}
{% macro format_time(value, format) -%}
{{ return(adapter.dispatch('format_time')(value, format)) }}
{%- endmacro %}
{% macro default__format_time(value, format) -%}
strftime({{ value }}, '{{ format }}')
{%- endmacro %}
{% macro spark__format_time(value, format) -%}
{%- set pattern = format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd')
                         | replace('%H', 'HH') | replace('%M', 'mm') | replace('%S', 'ss') | replace('%f', 'SSSSSS') -%}
date_format({{ value }}, '{{ pattern }}')
{%- endmacro %}

{# (date differences are BIGINT, as DuckDB's date_diff) #}

{# Months from a to b as DuckDB counts them, date_diff('month', a, b): the month boundaries
   crossed (31 Jan → 1 Feb is one month). dbt.datediff on Spark counts whole months elapsed
   (months_between) instead, and would move every time-elapsed ratio. Portable arithmetic on Spark. #}
{% macro month_diff(a, b) -%}
{{ return(adapter.dispatch('month_diff')(a, b)) }}
{%- endmacro %}
{% macro default__month_diff(a, b) -%}
date_diff('month', {{ a }}, {{ b }})
{%- endmacro %}
{% macro spark__month_diff(a, b) -%}
cast(((year({{ b }}) * 12 + month({{ b }})) - (year({{ a }}) * 12 + month({{ a }}))) as bigint)
{%- endmacro %}

{# Quarter boundaries crossed from a to b (DuckDB's date_diff('quarter', a, b)). #}
{% macro quarter_diff(a, b) -%}
{{ return(adapter.dispatch('quarter_diff')(a, b)) }}
{%- endmacro %}
{% macro default__quarter_diff(a, b) -%}
date_diff('quarter', {{ a }}, {{ b }})
{%- endmacro %}
{% macro spark__quarter_diff(a, b) -%}
cast(((year({{ b }}) * 4 + quarter({{ b }})) - (year({{ a }}) * 4 + quarter({{ a }}))) as bigint)
{%- endmacro %}

{# Year boundaries crossed from a to b (DuckDB's date_diff('year', a, b)). #}
{% macro year_diff(a, b) -%}
{{ return(adapter.dispatch('year_diff')(a, b)) }}
{%- endmacro %}
{% macro default__year_diff(a, b) -%}
date_diff('year', {{ a }}, {{ b }})
{%- endmacro %}
{% macro spark__year_diff(a, b) -%}
cast((year({{ b }}) - year({{ a }})) as bigint)
{%- endmacro %}

{# Days from a to b (dates). dbt-spark's dbt.datediff wraps both in assert_not_null, which fails
   the query on a NULL instead of giving NULL. #}
{% macro day_diff(a, b) -%}
{{ return(adapter.dispatch('day_diff')(a, b)) }}
{%- endmacro %}
{% macro default__day_diff(a, b) -%}
date_diff('day', {{ a }}, {{ b }})
{%- endmacro %}
{% macro spark__day_diff(a, b) -%}
cast(datediff({{ b }}, {{ a }}) as bigint)
{%- endmacro %}

{# Whether text matches a regular expression in full. #}
{% macro full_match(text, pattern) -%}
{{ return(adapter.dispatch('full_match')(text, pattern)) }}
{%- endmacro %}
{% macro default__full_match(text, pattern) -%}
regexp_full_match({{ text }}, {{ pattern }})
{%- endmacro %}
{% macro spark__full_match(text, pattern) -%}
({{ text }} rlike concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}

{# The value of x on the row where y is largest, among the rows where x is not NULL (DuckDB's
   arg_max; Spark's max_by takes the row with the largest y even when its x is NULL). #}
{% macro arg_max(x, y) -%}
{{ return(adapter.dispatch('arg_max')(x, y)) }}
{%- endmacro %}
{% macro default__arg_max(x, y) -%}
arg_max({{ x }}, {{ y }})
{%- endmacro %}
{% macro spark__arg_max(x, y) -%}
max_by({{ x }}, case when {{ x }} is not null then {{ y }} end)
{%- endmacro %}

{# … and the smallest y (DuckDB's arg_min). #}
{% macro arg_min(x, y) -%}
{{ return(adapter.dispatch('arg_min')(x, y)) }}
{%- endmacro %}
{% macro default__arg_min(x, y) -%}
arg_min({{ x }}, {{ y }})
{%- endmacro %}
{% macro spark__arg_min(x, y) -%}
min_by({{ x }}, case when {{ x }} is not null then {{ y }} end)
{%- endmacro %}

{# The value of x on the row where y is largest, NULL included (DuckDB's arg_max_null, Spark's max_by). #}
{% macro arg_max_null(x, y) -%}
{{ return(adapter.dispatch('arg_max_null')(x, y)) }}
{%- endmacro %}
{% macro default__arg_max_null(x, y) -%}
arg_max_null({{ x }}, {{ y }})
{%- endmacro %}
{% macro spark__arg_max_null(x, y) -%}
max_by({{ x }}, {{ y }})
{%- endmacro %}

{# The running product of a window (DuckDB's product() over). Spark has no product aggregate: the
   factors of the frame, collected in the window's order, multiplied one by one. #}
{% macro product_over(x, window) -%}
{{ return(adapter.dispatch('product_over')(x, window)) }}
{%- endmacro %}
{% macro default__product_over(x, window) -%}
product({{ x }}) over {{ window }}
{%- endmacro %}
{% macro spark__product_over(x, window) -%}
aggregate(collect_list(cast({{ x }} as double)) over {{ window }}, cast(1 as double), (acc, f) -> acc * f)
{%- endmacro %}

{# A list literal of SQL expressions. #}
{% macro array_of(items) -%}
{{ return(adapter.dispatch('array_of')(items)) }}
{%- endmacro %}
{% macro default__array_of(items) -%}
[{{ items | join(', ') }}]
{%- endmacro %}
{% macro spark__array_of(items) -%}
array({{ items | join(', ') }})
{%- endmacro %}

{# A struct literal: fields is a list of (name, SQL expression) pairs. #}
{% macro struct_of(fields) -%}
{{ return(adapter.dispatch('struct_of')(fields)) }}
{%- endmacro %}
{% macro default__struct_of(fields) -%}
{{ '{' }}{% for name, value in fields %}'{{ name }}': {{ value }}{{ ', ' if not loop.last }}{% endfor %}{{ '}' }}
{%- endmacro %}
{% macro spark__struct_of(fields) -%}
named_struct({% for name, value in fields %}'{{ name }}', {{ value }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{# A map literal from (key, SQL expression) pairs (DuckDB: map_from_entries of a list of pairs). #}
{% macro map_of(pairs) -%}
{{ return(adapter.dispatch('map_of')(pairs)) }}
{%- endmacro %}
{% macro default__map_of(pairs) -%}
map_from_entries([
    {%- for key, value in pairs %}
        ('{{ key }}', {{ value }}){{ ',' if not loop.last }}
    {%- endfor %}
    ])
{%- endmacro %}
{% macro spark__map_of(pairs) -%}
map(
    {%- for key, value in pairs %}
        '{{ key }}', {{ value }}{{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{# Whether a list holds a value. #}
{% macro list_has(list, value) -%}
{{ return(adapter.dispatch('list_has')(list, value)) }}
{%- endmacro %}
{% macro default__list_has(list, value) -%}
list_contains({{ list }}, {{ value }})
{%- endmacro %}
{% macro spark__list_has(list, value) -%}
array_contains({{ list }}, {{ value }})
{%- endmacro %}

{# The elements of a list for which a lambda (parameter, SQL condition) holds. #}
{% macro list_where(list, parameter, condition) -%}
{{ return(adapter.dispatch('list_where')(list, parameter, condition)) }}
{%- endmacro %}
{% macro default__list_where(list, parameter, condition) -%}
list_filter({{ list }}, lambda {{ parameter }}: {{ condition }})
{%- endmacro %}
{% macro spark__list_where(list, parameter, condition) -%}
filter({{ list }}, {{ parameter }} -> {{ condition }})
{%- endmacro %}

{# Text split at a separator, as a list. Spark's split reads the separator as a regular
   expression: it is quoted. #}
{% macro split_text(text, separator) -%}
{{ return(adapter.dispatch('split_text')(text, separator)) }}
{%- endmacro %}
{% macro default__split_text(text, separator) -%}
string_split({{ text }}, '{{ separator }}')
{%- endmacro %}
{% macro spark__split_text(text, separator) -%}
split({{ text }}, '\\Q{{ separator }}\\E')
{%- endmacro %}

{# A list's elements joined into text. #}
{% macro join_list(list, separator) -%}
{{ return(adapter.dispatch('join_list')(list, separator)) }}
{%- endmacro %}
{% macro default__join_list(list, separator) -%}
array_to_string({{ list }}, '{{ separator }}')
{%- endmacro %}
{% macro spark__join_list(list, separator) -%}
array_join({{ list }}, '{{ separator }}')
{%- endmacro %}

{# One row per element of a list, in a select list (DuckDB's unnest, Spark's explode). #}
{% macro unnest_list(list) -%}
{{ return(adapter.dispatch('unnest_list')(list)) }}
{%- endmacro %}
{% macro default__unnest_list(list) -%}
unnest({{ list }})
{%- endmacro %}
{% macro spark__unnest_list(list) -%}
explode({{ list }})
{%- endmacro %}

{# One row per element of a list, joined to the row of the FROM clause before it: written right
   after that relation, in place of DuckDB's `, unnest(list) as alias(column)` (Spark: a LATERAL
   VIEW). A row whose list is empty is dropped on both engines. #}
{% macro lateral_unnest(list, alias, column) -%}
{{ return(adapter.dispatch('lateral_unnest')(list, alias, column)) }}
{%- endmacro %}
{% macro default__lateral_unnest(list, alias, column) -%}
, unnest({{ list }}) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__lateral_unnest(list, alias, column) -%}
lateral view explode({{ list }}) {{ alias }} as {{ column }}
{%- endmacro %}

{# One row per step from start up to (not including) stop, joined like lateral_unnest: DuckDB's
   range(start, stop, step); on Spark the inclusive sequence without its end. Timestamps. #}
{% macro lateral_range(start, stop, step, alias, column) -%}
{{ return(adapter.dispatch('lateral_range')(start, stop, step, alias, column)) }}
{%- endmacro %}
{% macro default__lateral_range(start, stop, step, alias, column) -%}
, range({{ start }}, {{ stop }}, {{ step }}) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__lateral_range(start, stop, step, alias, column) -%}
lateral view explode(case when cast({{ start }} as timestamp) < cast({{ stop }} as timestamp) then
    filter(sequence(cast({{ start }} as timestamp), cast({{ stop }} as timestamp), {{ step }}),
           t -> t < cast({{ stop }} as timestamp)) end) {{ alias }} as {{ column }}
{%- endmacro %}

{# The integers from start up to (not including) stop, joined like lateral_unnest. #}
{% macro lateral_integers(start, stop, alias, column) -%}
{{ return(adapter.dispatch('lateral_integers')(start, stop, alias, column)) }}
{%- endmacro %}
{% macro default__lateral_integers(start, stop, alias, column) -%}
, unnest(range({{ start }}, {{ stop }})) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__lateral_integers(start, stop, alias, column) -%}
lateral view explode(filter(sequence({{ start }}, {{ stop }}), i -> i < {{ stop }})) {{ alias }} as {{ column }}
{%- endmacro %}

{# An aggregate: the list of x ordered by order_by (SQL, may say desc), over the rows where
   condition holds; NULL when none does, as DuckDB's list() — Spark's collect_list gives an empty
   list there, and an empty list is not NULL. on_empty: what to give instead of NULL. #}
{% macro ordered_list(x, order_by, condition='true', on_empty=none) -%}
{{ return(adapter.dispatch('ordered_list')(x, order_by, condition, on_empty)) }}
{%- endmacro %}
{% macro default__ordered_list(x, order_by, condition, on_empty) -%}
{%- if on_empty is not none -%}coalesce({%- endif -%}
list({{ x }} order by {{ order_by }}) filter (where {{ condition }})
{%- if on_empty is not none -%}, {{ on_empty }}){%- endif -%}
{%- endmacro %}
{% macro spark__ordered_list(x, order_by, condition, on_empty) -%}
{#- (sort key, value) pairs, sorted by the key, then the values -#}
{%- set words = order_by.strip().split(' ') -%}
{%- set descending = words[-1] | lower == 'desc' -%}
{%- set key = (words[:-1] | join(' ')) if words[-1] | lower in ('desc', 'asc') else order_by -%}
{%- set sorted -%}
transform(array_sort(collect_list(named_struct('k', {{ key }}, 'v', {{ x }})) filter (where {{ condition }}),
                     (l, r) -> case when l.k < r.k then {{ 1 if descending else -1 }} when l.k > r.k then {{ -1 if descending else 1 }} else 0 end),
          e -> e.v)
{%- endset -%}
{%- if on_empty is not none -%}{{ sorted }}
{%- else -%}case when count(1) filter (where {{ condition }}) > 0 then {{ sorted }} end
{%- endif -%}
{%- endmacro %}

{# A string aggregate: x joined with separator in the order of order_by (SQL, several keys
   allowed), over the rows where condition holds. #}
{% macro ordered_text(x, separator, order_by, condition=none) -%}
{{ return(adapter.dispatch('ordered_text')(x, separator, order_by, condition)) }}
{%- endmacro %}
{% macro default__ordered_text(x, separator, order_by, condition) -%}
string_agg({{ x }}, '{{ separator }}' order by {{ order_by }}){% if condition %} filter (where {{ condition }}){% endif %}
{%- endmacro %}
{% macro spark__ordered_text(x, separator, order_by, condition) -%}
string_agg({{ x }}, '{{ separator }}') within group (order by {{ order_by }}){% if condition %} filter (where {{ condition }}){% endif %}
{%- endmacro %}

{# round(x, digits) where digits is a column: Spark rounds only to a constant number of digits,
   so one branch per precision the targets use (0–6, and 6 for a missing one). #}
{% macro round_to(x, digits) -%}
{{ return(adapter.dispatch('round_to')(x, digits)) }}
{%- endmacro %}
{% macro default__round_to(x, digits) -%}
round({{ x }}, {{ digits }})
{%- endmacro %}
{% macro spark__round_to(x, digits) -%}
case {{ digits }}{% for d in range(0, 7) %} when {{ d }} then round({{ x }}, {{ d }}){% endfor %} end
{%- endmacro %}

{# NaN or ±infinity. #}
{% macro is_not_finite(x) -%}
{{ return(adapter.dispatch('is_not_finite')(x)) }}
{%- endmacro %}
{% macro default__is_not_finite(x) -%}
isnan({{ x }}) or isinf({{ x }})
{%- endmacro %}
{% macro spark__is_not_finite(x) -%}
isnan({{ x }}) or abs({{ x }}) = double('Infinity')
{%- endmacro %}

{# How a model kept incrementally by day replaces the days it recomputes. DuckDB: delete+insert on
   the unique key. Spark: insert_overwrite of the model's day partitions (Parquet, partitioned by
   day) — an overwrite replaces a whole day, so the model must recompute every row of each day it
   touches (whole_days), or the rows of the day it did not recompute would be lost. #}
{% macro incremental_by_day(unique_key, day) -%}
{{ return(adapter.dispatch('incremental_by_day')(unique_key, day)) }}
{%- endmacro %}
{% macro default__incremental_by_day(unique_key, day) -%}
{{ return({'config': {'unique_key': unique_key, 'incremental_strategy': 'delete+insert'}, 'whole_days': false}) }}
{%- endmacro %}
{% macro spark__incremental_by_day(unique_key, day) -%}
{{ return({'config': {'incremental_strategy': 'insert_overwrite', 'partition_by': [day], 'file_format': 'parquet'},
           'whole_days': true}) }}
{%- endmacro %}

{# A quote inside a text literal (the plan's): DuckDB doubles it; Spark reads 'plan''s' as two
   adjacent literals, "plans", and wants a backslash instead. #}
{% macro apostrophe() -%}
{{ return(adapter.dispatch('apostrophe')()) }}
{%- endmacro %}
{% macro default__apostrophe() %}{{ return("''") }}{% endmacro %}
{% macro spark__apostrophe() %}{{ return("\\'") }}{% endmacro %}

{# A list's length. #}
{% macro list_length(list) -%}
{{ return(adapter.dispatch('list_length')(list)) }}
{%- endmacro %}
{% macro default__list_length(list) -%}
len({{ list }})
{%- endmacro %}
{% macro spark__list_length(list) -%}
size({{ list }})
{%- endmacro %}

{# Whether a lambda (parameter, SQL condition) holds for any element of a list. #}
{% macro list_any(list, parameter, condition) -%}
{{ return(adapter.dispatch('list_any')(list, parameter, condition)) }}
{%- endmacro %}
{% macro default__list_any(list, parameter, condition) -%}
list_bool_or(list_transform({{ list }}, lambda {{ parameter }}: {{ condition }}))
{%- endmacro %}
{% macro spark__list_any(list, parameter, condition) -%}
exists({{ list }}, {{ parameter }} -> {{ condition }})
{%- endmacro %}

{# Whether two lists share an element. #}
{% macro lists_overlap(a, b) -%}
{{ return(adapter.dispatch('lists_overlap')(a, b)) }}
{%- endmacro %}
{% macro default__lists_overlap(a, b) -%}
list_has_any({{ a }}, {{ b }})
{%- endmacro %}
{% macro spark__lists_overlap(a, b) -%}
arrays_overlap({{ a }}, {{ b }})
{%- endmacro %}

{# The 1-based position of a value in a list. #}
{% macro list_index(list, value) -%}
{{ return(adapter.dispatch('list_index')(list, value)) }}
{%- endmacro %}
{% macro default__list_index(list, value) -%}
list_position({{ list }}, {{ value }})
{%- endmacro %}
{% macro spark__list_index(list, value) -%}
array_position({{ list }}, {{ value }})
{%- endmacro %}

{# The values of a JSON text at a path ('$[*]': an array's elements, '$.*': an object's values)
   as a list of text; an empty list when it has none. #}
{% macro json_texts(json, path) -%}
{{ return(adapter.dispatch('json_texts')(json, path)) }}
{%- endmacro %}
{% macro default__json_texts(json, path) -%}
coalesce(json_extract_string({{ json }}, '{{ path }}'), [])
{%- endmacro %}
{% macro spark__json_texts(json, path) -%}
{%- if path == '$[*]' -%}
coalesce(from_json({{ json }}, 'array<string>'), array())
{%- elif path == '$.*' -%}
coalesce(map_values(from_json({{ json }}, 'map<string,string>')), array())
{%- else -%}
{{ exceptions.raise_compiler_error('json_texts: no Spark form of the path ' ~ path) }}
{%- endif -%}
{%- endmacro %}

{# The distinct values of x joined with separator, in the order of the values (DuckDB's
   string_agg(distinct x, sep order by x)); unordered=true: DuckDB without the order. #}
{% macro distinct_text(x, separator, unordered=false) -%}
{{ return(adapter.dispatch('distinct_text')(x, separator, unordered)) }}
{%- endmacro %}
{% macro default__distinct_text(x, separator, unordered) -%}
string_agg(distinct {{ x }}, '{{ separator }}'{% if not unordered %} order by {{ x }}{% endif %})
{%- endmacro %}
{% macro spark__distinct_text(x, separator, unordered) -%}
nullif(array_join(array_sort(array_distinct(collect_list({{ x }}))), '{{ separator }}'), '')
{%- endmacro %}

{# The distinct values of x over the rows where condition holds, as a sorted list (NULL for none). #}
{% macro distinct_list(x, condition) -%}
{{ return(adapter.dispatch('distinct_list')(x, condition)) }}
{%- endmacro %}
{% macro default__distinct_list(x, condition) -%}
list(distinct {{ x }} order by {{ x }}) filter (where {{ condition }})
{%- endmacro %}
{% macro spark__distinct_list(x, condition) -%}
case when count({{ x }}) filter (where {{ condition }}) > 0
     then array_sort(array_distinct(collect_list({{ x }}) filter (where {{ condition }}))) end
{%- endmacro %}

{# One row per step from start to stop, both included (DuckDB's generate_series), joined like
   lateral_unnest; none when start is after stop (Spark's sequence would fail). #}
{% macro lateral_series(start, stop, step, alias, column) -%}
{{ return(adapter.dispatch('lateral_series')(start, stop, step, alias, column)) }}
{%- endmacro %}
{% macro default__lateral_series(start, stop, step, alias, column) -%}
, unnest(generate_series({{ start }}, {{ stop }}, {{ step }})) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__lateral_series(start, stop, step, alias, column) -%}
lateral view explode(case when {{ start }} <= {{ stop }} then sequence({{ start }}, {{ stop }}, {{ step }}) end) {{ alias }} as {{ column }}
{%- endmacro %}

{# A number as text, as DuckDB writes a DOUBLE (cast(x as varchar): the shortest text that reads
   back as the same double, plain from 1e-4 up to 1e16, else 1e-05 / 1.5e+16). Spark's cast writes
   Java's form, which turns to 1.0E-4 below 0.001 and from 1e7 up: rewritten to DuckDB's. #}
{% macro number_text(x) -%}
{{ return(adapter.dispatch('number_text')(x)) }}
{%- endmacro %}
{% macro default__number_text(x) -%}
cast({{ x }} as varchar)
{%- endmacro %}
{% macro spark__number_text(x) -%}
{%- set s = "cast(abs(" ~ x ~ ") as string)" -%}
{%- set m = "substring_index(" ~ s ~ ", 'E', 1)" -%}
{%- set k = "cast(substring_index(" ~ s ~ ", 'E', -1) as int)" -%}
{%- set d = "regexp_replace(replace(" ~ m ~ ", '.', ''), '(?<=.)0+$', '')" -%}
case when instr(cast({{ x }} as string), 'E') = 0 then cast({{ x }} as string)
     else concat(case when {{ x }} < 0 then '-' else '' end,
        case when {{ k }} between -4 and -1 then concat('0.', repeat('0', -{{ k }} - 1), {{ d }})
             when {{ k }} between 7 and 15 then
                 case when length({{ d }}) <= {{ k }} + 1 then concat(rpad({{ d }}, {{ k }} + 1, '0'), '.0')
                      else concat(substr({{ d }}, 1, {{ k }} + 1), '.', substr({{ d }}, {{ k }} + 2)) end
             else concat(regexp_replace({{ m }}, '\\.0$', ''), 'e', case when {{ k }} < 0 then '-' else '+' end,
                         lpad(cast(abs({{ k }}) as string), 2, '0'))
        end)
end
{%- endmacro %}

{# Text as a date when it reads as one (DuckDB's try_cast(text as date)), else NULL. Spark's cast
   would read a bare number ('540717') as a year: only YYYY-MM-DD (or YYYY/MM/DD) counts there. #}
{% macro text_to_date(text) -%}
{{ return(adapter.dispatch('text_to_date')(text)) }}
{%- endmacro %}
{% macro default__text_to_date(text) -%}
try_cast({{ text }} as date)
{%- endmacro %}
{% macro spark__text_to_date(text) -%}
case when {{ text }} rlike '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}$' then try_cast(replace({{ text }}, '/', '-') as date) end
{%- endmacro %}

{# A number for printf's %.<digits>f (digits 0–6). C's printf (DuckDB) rounds the exact binary
   value of a double (79.549999… → 79.5); Java's formatter rounds its shortest decimal text half up
   (79.55 → 79.6), and a cast to a decimal goes through that text too. On Spark the value is
   rounded first as C would: x·10^digits = p + err exactly (Dekker's product: p the double
   product, err its rounding error), and where p sits exactly on a half, err says which side the
   exact value is on (none: half to even). The rounded value then prints as it is. #}
{% macro fixed_point(x, digits) -%}
{{ return(adapter.dispatch('fixed_point')(x, digits)) }}
{%- endmacro %}
{% macro default__fixed_point(x, digits) -%}
{{ x }}
{%- endmacro %}
{% macro spark__fixed_point(x, digits) -%}
{%- set b = (10 ** digits) ~ 'D' -%}
{%- set a = 'cast(' ~ x ~ ' as double)' -%}
{%- set p = '(' ~ a ~ ' * ' ~ b ~ ')' -%}
{%- set c = '(134217729D * ' ~ a ~ ')' -%}
{%- set ah = '(' ~ c ~ ' - (' ~ c ~ ' - ' ~ a ~ '))' -%}
{%- set err = '((' ~ ah ~ ' * ' ~ b ~ ' - ' ~ p ~ ') + (' ~ a ~ ' - ' ~ ah ~ ') * ' ~ b ~ ')' -%}
{%- set rounded -%}
case when {{ p }} - floor({{ p }}) = 0.5D
      then case when {{ err }} > 0 then ceil({{ p }}) when {{ err }} < 0 then floor({{ p }})
                else floor({{ p }}) + pmod(floor({{ p }}), 2) end
      else round({{ p }}) end
{%- endset -%}
{#- (a negative value that rounds to 0 prints as -0, as in C) -#}
(({{ rounded }}) / {{ b }} * case when {{ a }} < 0 and ({{ rounded }}) = 0 then -1D else 1D end)
{%- endmacro %}

{# printf(format, args…) that is NULL when an argument is NULL, as DuckDB's; Spark's prints "null". #}
{% macro format_text(format, args) -%}
{{ return(adapter.dispatch('format_text')(format, args)) }}
{%- endmacro %}
{% macro default__format_text(format, args) -%}
printf({{ format }}, {{ args | join(', ') }})
{%- endmacro %}
{% macro spark__format_text(format, args) -%}
case when {% for a in args %}({{ a }}) is null{{ ' or ' if not loop.last }}{% endfor %} then null
     else printf({{ format }}, {{ args | join(', ') }}) end
{%- endmacro %}
