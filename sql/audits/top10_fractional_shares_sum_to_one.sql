/* error: The fractional country shares of every paper with a located affiliation sum to 1 (tolerance 1e-9). */
with

shares as (
    select * from int_paper_country_shares
),

summed as (
    select paper_id, sum(share::decimal(38, 18)) as share_sum, count(*) as countries
    from shares
    where counting = 'fractional'
    group by paper_id
)

select * from summed
where abs(share_sum - 1) > 1e-9
order by paper_id
