-- Energy consumption growth (能源消费增速): energy use against the same period of the year
-- before, % — years, and quarters January to date against January to the same quarter. Only
-- between consecutive years: a gap gives no figure rather than a growth over two years.
with energy as (
    select region_code, period, period_type, period_end, year,
        case when period_type = 'quarter' then cast(right(period, 1) as integer) else 0 end as quarter,
        energy_total, _delivered_at
    from {{ ref('stg_stats_city_indicators') }}
    where period_type in ('year', 'quarter') and energy_total is not null
),

with_previous as (
    select *,
        lag(year) over same_period as previous_year,
        lag(energy_total) over same_period as previous_energy_total,
        lag(_delivered_at) over same_period as previous_delivered_at
    from energy
    window same_period as (partition by region_code, quarter order by year)
)

select region_code, 'energy_consumption_growth' as indicator, period, period_type, period_end, year,
    quarter, energy_total, previous_energy_total,
    round(100 * (energy_total / previous_energy_total - 1), 12) as growth,
    greatest(_delivered_at, previous_delivered_at) as delivered_at
from with_previous
where previous_year = year - 1 and previous_energy_total > 0
