/* Top10% cells (field x publication year): papers, Top10% target n x top_share and the citation threshold t. */
with

papers as (
    select * from int_papers_selected
),

params as (
    select * from config.params
),

by_citations as (
    select field, pub_year, citations, count(*) as papers_with
    from papers
    group by all
),

cumulated as (
    select
        field,
        pub_year,
        citations,
        papers_with,
        sum(papers_with) over (partition by field, pub_year) as cell_papers,
        -- papers cited more than this count
        coalesce(sum(papers_with) over (partition by field, pub_year order by citations desc
            rows between unbounded preceding and 1 preceding), 0) as papers_above,
        -- the next higher citation count in the cell (null for the most cited)
        lag(citations) over (partition by field, pub_year order by citations desc) as next_higher
    from by_citations
),

targeted as (
    select
        cumulated.*,
        -- exact decimal, so n x 0.1 is exactly n/10 and comparisons with counts are exact
        params.top10_top_share::decimal(18, 12) as top_share,
        cumulated.cell_papers * params.top10_top_share::decimal(18, 12) as top10_target
    from cumulated
    cross join params
),

thresholds as (
    -- t = the smallest count c with at least (1 - top_share) x n papers at or below c,
    -- i.e. with at most n x top_share papers above c
    select
        field,
        pub_year,
        min(citations) filter (where papers_above <= top10_target) as threshold
    from targeted
    group by field, pub_year
),

final as (
    select
        targeted.field::varchar                         as field,
        targeted.pub_year::integer                      as pub_year,
        targeted.cell_papers::bigint                    as papers,
        targeted.top_share::decimal(18, 12)             as top_share,
        targeted.top10_target::decimal(38, 12)          as top10_target,
        targeted.citations::bigint                      as threshold,
        targeted.papers_above::bigint                   as papers_above,
        targeted.papers_with::bigint                    as papers_at,
        -- NISTEP's set S: the papers at or above the paper ranked at n x top_share. When the
        -- papers above t already fill the target exactly, the papers tied at t are outside it.
        (case
            when targeted.papers_above < targeted.top10_target then targeted.citations
            else targeted.next_higher
        end)::bigint                                    as nistep_threshold,
        (case
            when targeted.papers_above < targeted.top10_target
                then targeted.papers_above + targeted.papers_with
            else targeted.papers_above
        end)::bigint                                    as nistep_papers
    from targeted
    inner join thresholds
        on targeted.field = thresholds.field
        and targeted.pub_year = thresholds.pub_year
        and targeted.citations = thresholds.threshold
)

select * from final
