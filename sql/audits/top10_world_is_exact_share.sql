/* error: The World's Top10% papers are exactly top_share of its papers in every window and field (tolerance 1e-9). */
with

coauthorship as (
    select * from top10_coauthorship
),

params as (
    select * from config.params
)

select
    coauthorship.period_start, coauthorship.period_end, coauthorship.field, coauthorship.counting,
    coauthorship.papers, coauthorship.top10_papers
from coauthorship
cross join params
where coauthorship.country = 'WLD'
    and abs(coauthorship.top10_papers - coauthorship.papers * params.top10_top_share) > 1e-9
order by coauthorship.counting, coauthorship.field, coauthorship.period_start
