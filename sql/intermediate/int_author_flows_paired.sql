/* Each unordered country pair once (country_a < country_b) with the flow each way, unthresholded. */
with

directed as (
    select * from int_author_flows_directed
),

-- the directed row of the alphabetically first country already holds both directions
final as (
    select
        country::varchar               as country_a,
        partner::varchar               as country_b,
        period_start::integer          as period_start,
        period_end::integer            as period_end,
        sex::varchar                   as sex,
        outflow::decimal(38, 9)        as a_to_b,
        inflow::decimal(38, 9)         as b_to_a,
        source::varchar                as source
    from directed
    where country < partner
)

select * from final
