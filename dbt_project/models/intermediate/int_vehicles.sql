-- Vehicles (METHODS.md):
--   vehicles_retired: yellow-label and old vehicles retired, per city and month (a flow); the
--     province is the sum of its cities;
--   pre2005_yellow_label_retired: at each quarter-end, commercial yellow-label vehicles
--     registered before 2005 retired since the stock date, over that stock (%), per city and
--     for the province (sums of both).
-- Every sum says how many parts it expected and how many it has (parts_expected,
-- parts_present): a province month expects each of the 14 cities; a share since the stock date
-- expects every month from the stock date to the newest month delivered (for the province:
-- of every city). A quarantined row is a missing part, never a zero, and a sum short of a part
-- is flagged, not passed off as complete.
with monthly as (
    select region_code, period, period_end, yellow_label_retired, old_retired,
        pre2005_commercial_retired, _delivered_at
    from {{ ref('stg_transport_vehicle_retirements') }}
),

cities as (
    select count(*) as n from {{ ref('regions') }} where level = 'city'
),

last_month as (
    select max(period_end) as period_end from monthly
),

retired as (
    select region_code, period, period_end,
        yellow_label_retired + old_retired as vehicles, _delivered_at,
        cast(null as integer) as parts_expected, cast(null as integer) as parts_present
    from monthly
    union all
    select '210000', period, period_end, sum(yellow_label_retired + old_retired), max(_delivered_at),
        (select n from cities), count(yellow_label_retired + old_retired)
    from monthly group by all
),

stock as (
    select region_code, stock_date, stock, _delivered_at from {{ ref('stg_transport_yellow_label_stock') }}
),

pre2005_by_city as (
    select s.region_code, q.as_of, s.stock,
        sum(m.pre2005_commercial_retired) as retired_since,
        greatest(max(m._delivered_at), max(s._delivered_at)) as delivered_at,
        -- month-ends after the stock date, up to the as-of date or the newest month delivered
        date_diff('month', s.stock_date, least(q.as_of, any_value(lm.period_end)))
            + case when last_day(s.stock_date) > s.stock_date then 1 else 0 end as months_expected,
        count(m.pre2005_commercial_retired) as months_present
    from stock as s
    cross join {{ ref('int_quarter_ends') }} as q
    cross join last_month as lm
    join monthly as m on m.region_code = s.region_code
        and m.period_end > s.stock_date and m.period_end <= q.as_of
    where q.as_of > s.stock_date
    group by s.region_code, q.as_of, s.stock, s.stock_date
),

pre2005 as (
    select region_code, as_of, retired_since, stock, delivered_at, months_expected, months_present
    from pre2005_by_city
    union all
    -- on the stock date nothing has been retired since it: the share starts from a known 0 %,
    -- the value before the start that progress is measured from
    select region_code, stock_date, 0, stock, _delivered_at, 0, 0 from stock
    union all
    select '210000', stock_date, 0, sum(stock), max(_delivered_at), 0, 0
    from stock group by stock_date
    having count(*) = (select count(*) from stock)
    union all
    select '210000', as_of, sum(retired_since), sum(stock), max(delivered_at),
        sum(months_expected), sum(months_present)
    from pre2005_by_city group by all
    having count(*) = (select count(*) from stock)  -- every city's stock, or no province figure
)

select region_code, 'vehicles_retired' as indicator, period, 'month' as period_type, period_end,
    vehicles as value, delivered_at, parts_expected, parts_present
from retired as r(region_code, period, period_end, vehicles, delivered_at, parts_expected, parts_present)
where vehicles is not null
union all
select region_code, 'pre2005_yellow_label_retired', strftime(as_of, '%Y-%m-%d'), 'date', as_of,
    100.0 * retired_since / nullif(stock, 0), delivered_at, months_expected, months_present
from pre2005
