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
    select enterprise_code, {{ arg_max('region_code', 'year') }} as region_code
    from register group by all
),

years as (
    select distinct year from register
),

expected as (
    -- every enterprise ever registered, every year: per region, and for the province
    select enterprises.region_code, years.year, count(*) as parts_expected
    from enterprises cross join years group by all
    union all
    select '210000', years.year, count(*) from enterprises cross join years group by all
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

select sums.region_code, sums.year, sums.energy_saved, sums.enterprises, sums.delivered_at,
    expected.parts_expected, sums.enterprises as parts_present
from sums
left join expected using (region_code, year)
