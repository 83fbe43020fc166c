-- Vehicles (docs/METHODS.md):
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
with vehicle_retirements as (
    select * from {{ ref('stg_transport_vehicle_retirements') }}
),

yellow_label_stock as (
    select * from {{ ref('stg_transport_yellow_label_stock') }}
),

regions as (
    select * from {{ ref('regions') }}
),

quarter_ends as (
    select * from {{ ref('int_quarter_ends') }}
),

monthly as (
    select region_code, period, period_end, yellow_label_retired, old_retired,
        pre2005_commercial_retired, _delivered_at
    from vehicle_retirements
),

cities as (
    select count(*) as city_count from regions where level = 'city'
),

last_month as (
    -- the newest month any city delivered
    select max(period_end) as period_end from monthly
),

retired as (
    select region_code, period, period_end,
        yellow_label_retired + old_retired as vehicles, _delivered_at,
        cast(null as integer) as parts_expected, cast(null as integer) as parts_present
    from monthly
    union all
    -- the province: the sum of the cities that delivered, out of all of them
    select '210000', period, period_end, sum(yellow_label_retired + old_retired), max(_delivered_at),
        (select city_count from cities), count(yellow_label_retired + old_retired)
    from monthly group by all
),

stock as (
    select region_code, stock_date, stock, _delivered_at from yellow_label_stock
),

pre2005_by_city as (
    select stock.region_code, quarter_ends.as_of, stock.stock,
        sum(monthly.pre2005_commercial_retired) as retired_since,
        greatest(max(monthly._delivered_at), max(stock._delivered_at)) as delivered_at,
        -- month-ends after the stock date, up to the as-of date or the newest month delivered
        {{ month_diff('stock.stock_date', 'least(quarter_ends.as_of, any_value(last_month.period_end))') }}
            + case when last_day(stock.stock_date) > stock.stock_date then 1 else 0 end as months_expected,
        count(monthly.pre2005_commercial_retired) as months_present
    from stock
    cross join quarter_ends
    cross join last_month
    join monthly on monthly.region_code = stock.region_code
        and monthly.period_end > stock.stock_date and monthly.period_end <= quarter_ends.as_of
    where quarter_ends.as_of > stock.stock_date
    group by stock.region_code, quarter_ends.as_of, stock.stock, stock.stock_date
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
    vehicles as value, _delivered_at as delivered_at, parts_expected, parts_present
from retired
where vehicles is not null
union all
select region_code, 'pre2005_yellow_label_retired', {{ format_time('as_of', '%Y-%m-%d') }}, 'date', as_of,
    cast(100 as double) * retired_since / nullif(stock, 0), delivered_at, months_expected, months_present
from pre2005
