/* The country pairs whose two-way author flow reaches the configured threshold, with the net direction. */
with

paired as (
    select * from int_author_flows_paired
),

params as (
    select flows_pair_threshold as pair_threshold from config.params
),

large as (
    select paired.*, params.pair_threshold
    from paired
    cross join params
    where paired.a_to_b + paired.b_to_a >= params.pair_threshold
),

final as (
    select
        country_a::varchar                                          as country_a,
        country_b::varchar                                          as country_b,
        period_start::integer                                       as period_start,
        period_end::integer                                         as period_end,
        sex::varchar                                                as sex,
        a_to_b::double                                              as a_to_b,
        b_to_a::double                                              as b_to_a,
        (a_to_b + b_to_a)::double                                   as two_way,
        abs(a_to_b - b_to_a)::double                                as net,
        (case when a_to_b > b_to_a then country_a
              when b_to_a > a_to_b then country_b end)::varchar     as net_from,
        (case when a_to_b > b_to_a then country_b
              when b_to_a > a_to_b then country_a end)::varchar     as net_to,
        pair_threshold::double                                      as pair_threshold,
        source::varchar                                             as source
    from large
)

select * from final
