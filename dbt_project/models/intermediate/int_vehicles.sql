-- Vehicles (METHODS.md):
--   vehicles_retired: yellow-label and old vehicles retired, per city and month (a flow); the
--     province is the sum of its cities;
--   pre2005_yellow_label_retired: at each quarter-end, commercial yellow-label vehicles
--     registered before 2005 retired since the stock date, over that stock (%), per city and
--     for the province (sums of both).
with monthly as (
    select region_code, period, period_end, yellow_label_retired, old_retired,
        pre2005_commercial_retired, _delivered_at
    from {{ ref('stg_transport_vehicle_retirements') }}
),

retired as (
    select region_code, period, period_end,
        yellow_label_retired + old_retired as vehicles, _delivered_at
    from monthly
    union all
    select '210000', period, period_end, sum(yellow_label_retired + old_retired), max(_delivered_at)
    from monthly group by all
),

stock as (
    select region_code, stock_date, stock, _delivered_at from {{ ref('stg_transport_yellow_label_stock') }}
),

pre2005_by_city as (
    select s.region_code, q.as_of, s.stock,
        sum(m.pre2005_commercial_retired) as retired_since,
        greatest(max(m._delivered_at), max(s._delivered_at)) as delivered_at
    from stock as s
    cross join {{ ref('int_quarter_ends') }} as q
    join monthly as m on m.region_code = s.region_code
        and m.period_end > s.stock_date and m.period_end <= q.as_of
    where q.as_of > s.stock_date
    group by all
),

pre2005 as (
    select region_code, as_of, retired_since, stock, delivered_at from pre2005_by_city
    union all
    select '210000', as_of, sum(retired_since), sum(stock), max(delivered_at)
    from pre2005_by_city group by all
    having count(*) = (select count(*) from stock)  -- every city's stock, or no province figure
)

select region_code, 'vehicles_retired' as indicator, period, 'month' as period_type, period_end,
    vehicles as value, delivered_at
from retired as r(region_code, period, period_end, vehicles, delivered_at)
where vehicles is not null
union all
select region_code, 'pre2005_yellow_label_retired', strftime(as_of, '%Y-%m-%d'), 'date', as_of,
    100.0 * retired_since / nullif(stock, 0), delivered_at
from pre2005
