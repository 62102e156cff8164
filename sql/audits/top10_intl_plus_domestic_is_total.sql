/* error: Top10% papers split exactly into internationally and domestically co-authored (plus unknown, World row only). */
with

coauthorship as (
    select * from top10_coauthorship
)

select
    country, period_start, period_end, field, counting,
    top10_papers, top10_intl, top10_domestic, top10_unknown
from coauthorship
where abs(top10_intl + top10_domestic + top10_unknown - top10_papers) > 1e-9
    or (country <> 'WLD' and top10_unknown <> 0)
order by counting, field, period_start, country
