/* Each flow seen from both ends: as an outflow of its origin and an inflow of its destination. */
with

flows as (
    select * from stg_author_flows
),

directed as (
    select origin as country, destination as partner, period_start, period_end, sex,
           0::decimal(38, 9) as inflow, researchers as outflow, source
    from flows
    union all
    select destination as country, origin as partner, period_start, period_end, sex,
           researchers as inflow, 0::decimal(38, 9) as outflow, source
    from flows
),

final as (
    select
        country::varchar                                            as country,
        partner::varchar                                            as partner,
        period_start::integer                                       as period_start,
        period_end::integer                                         as period_end,
        sex::varchar                                                as sex,
        sum(inflow)::decimal(38, 9)                                 as inflow,
        sum(outflow)::decimal(38, 9)                                as outflow,
        string_agg(distinct source, '; ' order by source)::varchar  as source
    from directed
    group by all
)

select * from final
