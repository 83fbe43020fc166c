-- Disclosure rates of monitoring information (percent): published / due, summed over the
-- region's enterprises. The province is summed over its cities, not read from a delivered
-- total row (which the reconciliation checks compare instead), and says how many of the 14
-- cities it expected and how many it has (a city without a quarter's figures is a missing
-- part: the rate of 13 cities is not the province's).
with disclosure as (
    select * from {{ ref('stg_env_disclosure') }}
),

regions as (
    select * from {{ ref('regions') }}
),

cities as (
    select disclosure.*
    from disclosure
    join regions on regions.code = disclosure.region_code and regions.level = 'city'
),

by_region as (
    select region_code, period, period_end, self_due, self_published, supervisory_due,
        supervisory_published, _delivered_at, cast(null as integer) as parts_expected,
        cast(null as integer) as self_parts_present, cast(null as integer) as supervisory_parts_present
    from cities
    union all
    select '210000', period, period_end, sum(self_due), sum(self_published), sum(supervisory_due),
        sum(supervisory_published), max(_delivered_at),
        (select count(*) from regions where level = 'city'),
        count(self_due + self_published), count(supervisory_due + supervisory_published)
    from cities group by all
)

select region_code, period, period_end,
    cast(100 as double) * self_published / nullif(self_due, 0) as self_monitoring_disclosure_rate,
    cast(100 as double) * supervisory_published / nullif(supervisory_due, 0) as supervisory_disclosure_rate,
    _delivered_at as delivered_at,
    parts_expected, self_parts_present, supervisory_parts_present
from by_region
