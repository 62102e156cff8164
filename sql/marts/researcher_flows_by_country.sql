/* Each country's researcher inflow, outflow, net flow and churn per period, over all partners. */
with

directed as (
    select * from int_researcher_flows_directed
),

totals as (
    select
        country, period_start, period_end,
        sum(inflow) as inflow,
        sum(outflow) as outflow,
        count(distinct partner) as partners,
        string_agg(distinct source, '; ' order by source) as source
    from directed
    group by all
),

final as (
    select
        country::varchar                                                   as country,
        period_start::integer                                              as period_start,
        period_end::integer                                                as period_end,
        inflow::double                                                     as inflow,
        outflow::double                                                    as outflow,
        (inflow - outflow)::double                                         as net,
        (inflow + outflow)::double                                         as churn,
        (case when inflow + outflow > 0 then 100.0 * (inflow - outflow) / (inflow + outflow) end)::double
                                                                           as net_to_churn_pct,
        partners::integer                                                  as partners,
        source::varchar                                                    as source
    from totals
)

select * from final
