/* Each unordered country pair once (country_a < country_b) with the flow each way, unthresholded. */
with

flows as (
    select * from stg_author_flows
),

oriented as (
    select
        least(origin, destination)      as country_a,
        greatest(origin, destination)   as country_b,
        period_start, period_end, sex,
        case when origin < destination then researchers else 0 end as a_to_b,
        case when origin > destination then researchers else 0 end as b_to_a,
        source
    from flows
),

final as (
    select
        country_a::varchar                                          as country_a,
        country_b::varchar                                          as country_b,
        period_start::integer                                       as period_start,
        period_end::integer                                         as period_end,
        sex::varchar                                                as sex,
        sum(a_to_b)::decimal(38, 9)                                 as a_to_b,
        sum(b_to_a)::decimal(38, 9)                                 as b_to_a,
        string_agg(distinct source, '; ' order by source)::varchar  as source
    from oriented
    group by all
)

select * from final
