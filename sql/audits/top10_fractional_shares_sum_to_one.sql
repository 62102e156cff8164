/* error: The fractional country shares of every paper with a located affiliation sum to 1 (tolerance 1e-9). */
with

-- the shares through two imports, one per reader: DuckDB copies a CTE that is read twice
-- before reading it
single_country_shares as (
    select * from int_paper_country_shares
),

multi_country_shares as (
    select * from int_paper_country_shares
),

single_country as (
    -- a paper with one country has one row: its share is the sum
    select paper_id, fractional_share::decimal(38, 18) as share_sum, 1 as countries
    from single_country_shares
    where paper_countries = 1
),

multi_country as (
    select paper_id, sum(fractional_share::decimal(38, 18)) as share_sum, count(*) as countries
    from multi_country_shares
    where paper_countries > 1
    group by paper_id
),

summed as (
    select * from single_country
    union all
    select * from multi_country
)

select * from summed
where abs(share_sum - 1) > 1e-9
order by paper_id
