/* Researcher flows between each country and each partner per period: inflow, outflow, net and churn. */
with

directed as (
    select * from int_researcher_flows_directed
),

final as (
    select
        country::varchar                    as country,
        partner::varchar                    as partner,
        period_start::integer               as period_start,
        period_end::integer                 as period_end,
        inflow::double                      as inflow,
        outflow::double                     as outflow,
        (inflow - outflow)::double          as net,
        (inflow + outflow)::double          as churn,
        source::varchar                     as source
    from directed
)

select * from final
