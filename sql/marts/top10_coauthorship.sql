/* Top10% papers and international co-authorship per country, moving window, field and counting, with a World (WLD) row. */
with

papers as (
    select * from int_papers_weighted
),

classes as (
    select * from int_papers_coauthorship_classified
),

shares as (
    select * from int_paper_country_shares
),

windows as (
    select * from int_windows
),

params as (
    select * from config.params
),

countings as (
    select
        unnest(params.top10_counting) as counting,
        params.top10_fractional_unit as fractional_unit
    from params
),

data_sources as (
    select string_agg(distinct source, ';' order by source) as data_source
    from papers
),

contributions as (
    select paper_id, country, counting, share
    from shares
    union all
    -- the World counts every paper once, also papers with no located affiliation
    select papers.paper_id, 'WLD' as country, countings.counting, 1.0 as share
    from papers
    cross join countings
),

by_year as (
    -- summed per publication year first, so each window adds up a few thousand year rows
    -- instead of every paper once per window it falls in
    select
        papers.pub_year,
        papers.field,
        contributions.country,
        contributions.counting,
        classes.coauthorship,
        -- exact decimals: sums do not depend on the order threads add them up in
        sum(contributions.share::decimal(38, 18)) as paper_credit,
        sum((contributions.share * papers.weight)::decimal(38, 18)) as top10_credit
    from contributions
    inner join papers using (paper_id)
    inner join classes using (paper_id)
    group by all
),

credited as (
    select
        windows.period_start,
        windows.period_end,
        windows.years,
        by_year.field,
        by_year.country,
        by_year.counting,
        by_year.coauthorship,
        by_year.paper_credit,
        by_year.top10_credit
    from by_year
    inner join windows
        on by_year.pub_year between windows.period_start and windows.period_end
),

summed as (
    -- each field, and ALL: the sum of the field-normalised weights, never a pooled threshold
    select
        period_start,
        period_end,
        years,
        case when grouping(field) = 1 then 'ALL' else field end as field,
        country,
        counting,
        sum(paper_credit) as papers,
        coalesce(sum(paper_credit) filter (where coauthorship = 'international'), 0) as intl_papers,
        sum(top10_credit) as top10_papers,
        coalesce(sum(top10_credit) filter (where coauthorship = 'international'), 0) as top10_intl,
        coalesce(sum(top10_credit) filter (
            where coauthorship in ('domestic_multi', 'domestic_single')), 0) as top10_domestic,
        coalesce(sum(top10_credit) filter (where coauthorship = 'unknown'), 0) as top10_unknown
    from credited
    group by grouping sets (
        (period_start, period_end, years, field, country, counting),
        (period_start, period_end, years, country, counting)
    )
),

world as (
    select period_start, period_end, field, counting, top10_papers as world_top10
    from summed
    where country = 'WLD'
),

ranked as (
    select
        period_start, period_end, field, country, counting,
        -- ranked on 9 decimals: credits that differ only in float noise (1/3 + 1/3 against
        -- 2/3) are ties, whatever engine (DuckDB, Spark) converted the weights to decimals
        rank() over (
            partition by period_start, period_end, field, counting
            order by round(top10_papers, 9) desc
        ) as rank_top10
    from summed
    where country <> 'WLD'
),

final as (
    select
        summed.country::varchar                                         as country,
        summed.period_start::integer                                    as period_start,
        summed.period_end::integer                                      as period_end,
        summed.years::integer                                           as years,
        summed.field::varchar                                           as field,
        summed.counting::varchar                                        as counting,
        (case when summed.counting = 'whole' then 'paper'
            else countings.fractional_unit end)::varchar                as counting_unit,
        (summed.papers::double / summed.years)::double                  as papers,
        (summed.intl_papers::double / summed.years)::double             as intl_papers,
        (case when summed.papers > 0
            then (summed.intl_papers::double / summed.papers::double) * 100
        end)::double                                                    as intl_share_pct,
        (summed.top10_papers::double / summed.years)::double            as top10_papers,
        (summed.top10_intl::double / summed.years)::double              as top10_intl,
        (summed.top10_domestic::double / summed.years)::double          as top10_domestic,
        (summed.top10_unknown::double / summed.years)::double           as top10_unknown,
        (case when summed.top10_papers > 0
            then (summed.top10_intl::double / summed.top10_papers::double) * 100
        end)::double                                                    as top10_intl_share_pct,
        (case when summed.papers > 0
            then (summed.top10_papers::double / summed.papers::double) * 100
        end)::double                                                    as pp_top10_pct,
        (case when world.world_top10 > 0
            then (summed.top10_papers::double / world.world_top10::double) * 100
        end)::double                                                    as world_share_top10_pct,
        ranked.rank_top10::integer                                      as rank_top10,
        data_sources.data_source::varchar                               as data_source
    from summed
    inner join countings on summed.counting = countings.counting
    inner join world
        on summed.period_start = world.period_start
        and summed.field = world.field
        and summed.counting = world.counting
    left join ranked
        on summed.period_start = ranked.period_start
        and summed.field = ranked.field
        and summed.country = ranked.country
        and summed.counting = ranked.counting
    cross join data_sources
)

select * from final
