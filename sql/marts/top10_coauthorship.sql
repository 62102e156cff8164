/* Top10% papers and international co-authorship per country, moving window, field and counting, with a World (WLD) row. */
with

-- the published per-paper weights and classes are what is summed here; imported once per
-- reader, as DuckDB copies a CTE that is read twice before reading it
papers as (
    select * from top10_paper_weights
),

world_papers as (
    select * from top10_paper_weights
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

country_groups as (
    -- papers that add alike to every sum are counted, not added one by one: within a
    -- publication year and field the cell, and so each weight, is fixed, so a group holds
    -- many papers
    select
        papers.pub_year,
        papers.field,
        shares.country,
        papers.coauthorship,
        papers.weight,
        shares.fractional_share,
        count(*) as paper_count
    from shares
    inner join papers using (paper_id)
    group by all
),

paper_groups as (
    -- every paper once: the World's rows and the data sources
    select pub_year, field, coauthorship, weight, source, count(*) as paper_count
    from world_papers
    group by pub_year, field, coauthorship, weight, source
),

data_sources as (
    select string_agg(distinct source, ';' order by source) as data_source
    from paper_groups
),

world_groups as (
    -- the World counts every paper once, also papers with no located affiliation
    select
        pub_year,
        field,
        'WLD' as country,
        coauthorship,
        weight,
        1.0::double as fractional_share,
        sum(paper_count)::bigint as paper_count
    from paper_groups
    group by pub_year, field, coauthorship, weight
),

grouped as (
    select * from country_groups
    union all
    select * from world_groups
),

unpivoted as (
    -- into the countings (whole credits every country of a paper 1), as exact decimals: a
    -- group adds paper_count times what each of its papers adds, so the sums below are
    -- those of adding paper by paper, whatever order threads add them up in. Credits are at
    -- most 1: decimal(18, 0) x decimal(19, 18) is exact in DuckDB and in Spark (38 digits)
    select
        grouped.pub_year,
        grouped.field,
        grouped.country,
        countings.counting,
        grouped.coauthorship,
        grouped.paper_count::decimal(18, 0) * (case
            when countings.counting = 'whole' then 1
            else grouped.fractional_share
        end)::decimal(19, 18) as paper_credit,
        grouped.paper_count::decimal(18, 0) * (case
            when countings.counting = 'whole' then grouped.weight
            else grouped.fractional_share * grouped.weight
        end)::decimal(19, 18) as top10_credit
    from grouped
    cross join countings
),

by_year as (
    -- summed per publication year first, so each window adds up a few thousand year rows
    select
        pub_year,
        field,
        country,
        counting,
        sum(paper_credit) as papers,
        coalesce(sum(paper_credit) filter (where coauthorship = 'international'), 0) as intl_papers,
        sum(top10_credit) as top10_papers,
        coalesce(sum(top10_credit) filter (where coauthorship = 'international'), 0) as top10_intl,
        coalesce(sum(top10_credit) filter (
            where coauthorship in ('domestic_multi', 'domestic_single')), 0) as top10_domestic,
        coalesce(sum(top10_credit) filter (where coauthorship = 'unknown'), 0) as top10_unknown
    from unpivoted
    group by pub_year, field, country, counting
),

credited as (
    select
        windows.period_start,
        windows.period_end,
        windows.years,
        by_year.*
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
        sum(papers) as papers,
        sum(intl_papers) as intl_papers,
        sum(top10_papers) as top10_papers,
        sum(top10_intl) as top10_intl,
        sum(top10_domestic) as top10_domestic,
        sum(top10_unknown) as top10_unknown
    from credited
    group by grouping sets (
        (period_start, period_end, years, field, country, counting),
        (period_start, period_end, years, country, counting)
    )
),

compared as (
    -- the World's value and the rank are windows over one window, field and counting, so
    -- the summed rows are read once, not joined to themselves
    select
        summed.*,
        max(case when summed.country = 'WLD' then summed.top10_papers end) over (
            partition by summed.period_start, summed.field, summed.counting
        ) as world_top10,
        -- ranked among the countries (WLD apart) on 9 decimals: credits that differ only in
        -- float noise (1/3 + 1/3 against 2/3) are ties, whatever engine (DuckDB, Spark)
        -- converted the weights to decimals
        rank() over (
            partition by summed.period_start, summed.field, summed.counting, summed.country = 'WLD'
            order by round(summed.top10_papers, 9) desc
        ) as rank_top10
    from summed
),

final as (
    select
        compared.country::varchar                                       as country,
        compared.period_start::integer                                  as period_start,
        compared.period_end::integer                                    as period_end,
        compared.years::integer                                         as years,
        compared.field::varchar                                         as field,
        compared.counting::varchar                                      as counting,
        (case when compared.counting = 'whole' then 'paper'
            else countings.fractional_unit end)::varchar                as counting_unit,
        (compared.papers::double / compared.years)::double              as papers,
        (compared.intl_papers::double / compared.years)::double         as intl_papers,
        (case when compared.papers > 0
            then (compared.intl_papers::double / compared.papers::double) * 100
        end)::double                                                    as intl_share_pct,
        (compared.top10_papers::double / compared.years)::double        as top10_papers,
        (compared.top10_intl::double / compared.years)::double          as top10_intl,
        (compared.top10_domestic::double / compared.years)::double      as top10_domestic,
        (compared.top10_unknown::double / compared.years)::double       as top10_unknown,
        (case when compared.top10_papers > 0
            then (compared.top10_intl::double / compared.top10_papers::double) * 100
        end)::double                                                    as top10_intl_share_pct,
        (case when compared.papers > 0
            then (compared.top10_papers::double / compared.papers::double) * 100
        end)::double                                                    as pp_top10_pct,
        (case when compared.world_top10 > 0
            then (compared.top10_papers::double / compared.world_top10::double) * 100
        end)::double                                                    as world_share_top10_pct,
        (case when compared.country <> 'WLD' then compared.rank_top10 end)::integer
                                                                        as rank_top10,
        data_sources.data_source::varchar                               as data_source
    from compared
    inner join countings on compared.counting = countings.counting
    cross join data_sources
)

select * from final
