/* error: Every move is one country's outflow and another's inflow, so world inflow equals world outflow per period. */
with

by_country as (
    select * from author_flows_country
),

world as (
    select period_start, period_end, sex, sum(inflow) as inflow, sum(outflow) as outflow
    from by_country
    group by all
)

select * from world
where abs(inflow - outflow) > 1e-6 * greatest(inflow, 1)
