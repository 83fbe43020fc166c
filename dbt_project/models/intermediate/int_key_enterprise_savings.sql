-- Energy saved by the key enterprises (万吨标准煤) per year: per region where they are, and for
-- the province (all enterprises). The list of key enterprises is fixed for the five-year plan,
-- so every enterprise the register has ever named is expected every year (parts_expected);
-- parts_present counts those with a figure. A quarantined or blank row is a missing part,
-- and the year's sum says so instead of passing for the whole.
with register as (
    select region_code, enterprise_code, year, energy_saved, _delivered_at
    from {{ ref('stg_stats_key_enterprises') }}
),

enterprises as (
    -- the newest region an enterprise was registered in
    select enterprise_code, arg_max(region_code, year) as region_code
    from register group by all
),

years as (
    select distinct year from register
),

expected as (
    select e.region_code, y.year, count(*) as parts_expected
    from enterprises as e cross join years as y group by all
    union all
    select '210000', y.year, count(*) from enterprises as e cross join years as y group by all
),

savings as (
    select region_code, year, energy_saved, _delivered_at from register where energy_saved is not null
),

sums as (
    select region_code, year, sum(energy_saved) as energy_saved, count(*) as enterprises,
        max(_delivered_at) as delivered_at
    from savings group by all
    union all
    select '210000', year, sum(energy_saved), count(*), max(_delivered_at)
    from savings group by all
)

select s.region_code, s.year, s.energy_saved, s.enterprises, s.delivered_at,
    x.parts_expected, s.enterprises as parts_present
from sums as s
left join expected as x using (region_code, year)
