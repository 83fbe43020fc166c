-- Disclosure rates of monitoring information (percent): published / due, summed over the
-- region's enterprises. The province is summed over its cities, not read from a delivered
-- total row (which the reconciliation checks compare instead).
with cities as (
    select d.* from {{ ref('stg_env_disclosure') }} as d
    join {{ ref('regions') }} as r on r.code = d.region_code and r.level = 'city'
),

by_region as (
    select region_code, period, period_end, self_due, self_published, supervisory_due,
        supervisory_published, _delivered_at
    from cities
    union all
    select '210000', period, period_end, sum(self_due), sum(self_published), sum(supervisory_due),
        sum(supervisory_published), max(_delivered_at)
    from cities group by all
)

select region_code, period, period_end,
    100.0 * self_published / nullif(self_due, 0) as self_monitoring_disclosure_rate,
    100.0 * supervisory_published / nullif(supervisory_due, 0) as supervisory_disclosure_rate,
    _delivered_at as delivered_at
from by_region
