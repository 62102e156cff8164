/* error: Summed over its pairs (each counted from both ends), a country's flows equal its inflow and outflow totals. */
with

paired as (
    select * from int_author_flows_paired
),

by_country as (
    select * from author_flows_country
),

pair_ends as (
    select country_a as country, period_start, period_end, sex, b_to_a as inflow, a_to_b as outflow
    from paired
    union all
    select country_b as country, period_start, period_end, sex, a_to_b as inflow, b_to_a as outflow
    from paired
),

from_pairs as (
    select country, period_start, period_end, sex, sum(inflow) as inflow, sum(outflow) as outflow
    from pair_ends
    group by all
),

compared as (
    select
        coalesce(from_pairs.country, by_country.country)    as country,
        coalesce(from_pairs.period_start, by_country.period_start) as period_start,
        coalesce(from_pairs.period_end, by_country.period_end)     as period_end,
        coalesce(from_pairs.sex, by_country.sex)             as sex,
        from_pairs.inflow::double                            as pairs_inflow,
        by_country.inflow                                    as country_inflow,
        from_pairs.outflow::double                           as pairs_outflow,
        by_country.outflow                                   as country_outflow
    from from_pairs
    full outer join by_country using (country, period_start, period_end, sex)
)

select * from compared
where pairs_inflow is null or country_inflow is null
   or abs(pairs_inflow - country_inflow) > 1e-6 * greatest(country_inflow, 1)
   or abs(pairs_outflow - country_outflow) > 1e-6 * greatest(country_outflow, 1)
