-- Coal-fired boilers (docs/METHODS.md), province-wide:
--   small_boilers_removed: boilers on the Blue Sky task list (蓝天工程任务 = 是) removed or
--     connected to the grid, counted in the month of their retirement date (a flow);
--   large_boiler_desulfurization: at each quarter-end from the plan's start, the share (%) of
--     boilers ≥ 20 t/h in use on that date (not retired by then) that have a desulfurization
--     unit. The register describes today's equipment, so earlier dates are not reconstructed.
with boilers as (
    select * from {{ ref('stg_env_boilers') }}
),

quarter_ends as (
    select * from {{ ref('int_quarter_ends') }}
)

select '210000' as region_code, 'small_boilers_removed' as indicator,
    {{ format_time('retired_on', '%Y-%m') }} as period, 'month' as period_type,
    cast(last_day(retired_on) as date) as period_end, count(*) as value, max(_delivered_at) as delivered_at
from boilers
where blue_sky_task and status in ('已拆除', '已并网') and retired_on is not null
group by all

union all

select '210000', 'large_boiler_desulfurization', {{ format_time('quarter_ends.as_of', '%Y-%m-%d') }}, 'date', quarter_ends.as_of,
    cast(100 as double) * count(*) filter (where boilers.has_desulfurization) / count(*), max(boilers._delivered_at)
from quarter_ends
join boilers on boilers.rated_capacity >= 20 and (boilers.retired_on is null or boilers.retired_on > quarter_ends.as_of)
where quarter_ends.as_of >= date '2014-01-01'
group by all
