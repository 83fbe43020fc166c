-- Each target for each region it applies to (targets.regions: codes, all_cities,
-- other_cities, all_counties), with its value: the annex allocation for that region when one
-- was delivered (plan_allocations), else the plan's own number. Where a target names a region
-- and a group (vehicles_retired_2014: "210000,all_cities"), the plan's number belongs to the
-- named region and the group's members take their allocations.
with targets as (
    select t.*, m.indicator, m.measure, m.from_register
    from {{ ref('targets') }} as t
    join {{ ref('target_indicators') }} as m using (target_id)
),

tokens as (
    select t.target_id, trim(token) as token
    from targets as t {{ lateral_unnest(split_text('t.regions', ','), 'u', 'token') }}
),

target_regions as (
    select k.target_id, r.code as region_code, k.token in ('all_cities', 'other_cities', 'all_counties') as via_group
    from tokens as k
    join {{ ref('regions') }} as r
        on r.code = k.token
        or (k.token = 'all_cities' and r.level = 'city')
        or (k.token = 'other_cities' and r.level = 'city' and r.code not in ('210100', '210200'))
        or (k.token = 'all_counties' and r.level = 'county')
),

named_regions as (
    -- targets that name a region beside a group: the plan's number is the named region's
    select distinct target_id from tokens where token not in ('all_cities', 'other_cities', 'all_counties')
),

allocations as (
    select target_id, region_code, target_value, note,
        coalesce(note ilike '%illustrative%' or note like '%示意%', false) as illustrative
    from {{ ref('stg_plan_allocations') }}
)

select
    t.target_id, t.clause, t.scope, t.kind, t.comparator, t.unit, t.base_year, t.start_date,
    t.deadline, t.text_zh, t.note, t.about_precision, t.indicator, t.measure, t.from_register, tr.region_code,
    case when a.target_value is not null then a.target_value
         when t.value = 'allocated' then null
         when tr.via_group and nr.target_id is not null then null
         else cast(t.value as double) end as target_value,
    case when a.target_value is not null then 'allocation' else 'plan' end as target_value_source,
    coalesce(a.illustrative, false) as target_value_illustrative
from targets as t
join target_regions as tr using (target_id)
left join allocations as a on a.target_id = t.target_id and a.region_code = tr.region_code
left join named_regions as nr on nr.target_id = t.target_id
