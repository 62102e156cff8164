/* error: The Top10% weights of every field x year cell sum to n x top_share (n/10), under both methods (tolerance 1e-9). */
with

papers as (
    select * from int_papers_weighted
),

cells as (
    select * from int_papers_cells
),

summed as (
    select
        field,
        pub_year,
        sum(weight_cwts::decimal(38, 18)) as weight_cwts,
        sum(weight_nistep::decimal(38, 18)) as weight_nistep,
        count(*) as papers
    from papers
    group by field, pub_year
),

compared as (
    select
        cells.field,
        cells.pub_year,
        cells.papers,
        summed.papers as papers_weighted,
        cells.top10_target,
        summed.weight_cwts,
        summed.weight_nistep
    from cells
    left join summed using (field, pub_year)
)

select * from compared
where papers_weighted is distinct from papers
    or abs(weight_cwts - top10_target) > 1e-9
    or abs(weight_nistep - top10_target) > 1e-9
order by field, pub_year
