/* Each country's author inflow, outflow, net flow, gross flow and net rate per period, over all partners. */
with

directed as (
    select * from int_author_flows_directed
),

totals as (
    select
        country, period_start, period_end, sex,
        sum(inflow)                                                 as inflow,
        sum(outflow)                                                as outflow,
        -- one row per partner already (int_author_flows_directed's grain), so no distinct
        -- count: Spark 4 fails on one beside a distinct string aggregate (ClassCastException)
        count(case when inflow + outflow > 0 then partner end)      as partners,
        string_agg(distinct source, '; ' order by source)           as source
    from directed
    group by all
),

final as (
    select
        country::varchar                                    as country,
        period_start::integer                               as period_start,
        period_end::integer                                 as period_end,
        sex::varchar                                        as sex,
        inflow::double                                      as inflow,
        outflow::double                                     as outflow,
        (inflow - outflow)::double                          as net,
        (inflow + outflow)::double                          as gross,
        -- the exact decimal sums divided as doubles (Spark would cut a decimal quotient of
        -- these precisions to 6 places), rounded so the file does not depend on float noise
        (case when inflow + outflow > 0
              then round(100 * (inflow - outflow)::double / (inflow + outflow)::double, 9)
         end)::double
                                                            as net_rate_pct,
        partners::integer                                   as partners,
        source::varchar                                     as source
    from totals
)

select * from final
