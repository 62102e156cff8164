/* Each country's credit for a paper: whole (1 per country) and fractional (by institution or by author). */
with

located as (
    select * from int_affiliations_located
),

params as (
    select * from config.params
),

whole as (
    select distinct paper_id, country, 1.0::double as share
    from located
),

institutions as (
    select distinct paper_id, country, institution_unit
    from located
),

by_institution as (
    -- every distinct institution gets an equal share of the paper, summed by country
    select
        paper_id,
        country,
        count(*)::double / sum(count(*)) over (partition by paper_id) as share
    from institutions
    group by paper_id, country
),

author_addresses as (
    -- built only when counting by author: it is the costliest step, wasted otherwise
    select distinct located.paper_id, located.author_unit, located.address_seq, located.country
    from located
    cross join params
    where params.top10_fractional_unit = 'author'
),

author_countries as (
    select paper_id, author_unit, country, count(*) as addresses
    from author_addresses
    group by paper_id, author_unit, country
),

author_totals as (
    -- per-paper and per-author totals joined back: far cheaper than windows over millions
    -- of tiny partitions
    select paper_id, author_unit, sum(addresses) as author_addresses
    from author_countries
    group by paper_id, author_unit
),

paper_authors as (
    select paper_id, count(*) as authors
    from author_totals
    group by paper_id
),

author_spread as (
    select
        author_countries.paper_id,
        author_countries.author_unit,
        author_countries.country,
        -- the part of this author that lies in this country: addresses there / their addresses
        author_countries.addresses::double / author_totals.author_addresses as author_part,
        paper_authors.authors
    from author_countries
    inner join author_totals using (paper_id, author_unit)
    inner join paper_authors using (paper_id)
),

by_author as (
    -- 1/n_authors per author, split equally over that author's addresses; summed as exact
    -- decimals so the result does not depend on the order rows arrive in
    select
        paper_id,
        country,
        sum(author_part::decimal(38, 18))::double / any_value(authors) as share
    from author_spread
    group by paper_id, country
),

shares as (
    select paper_id, country, 'whole' as counting, share from whole
    union all
    select paper_id, country, 'fractional' as counting, share
    from by_institution
    cross join params
    where params.top10_fractional_unit = 'institution'
    union all
    select paper_id, country, 'fractional' as counting, share
    from by_author
    cross join params
    where params.top10_fractional_unit = 'author'
),

final as (
    select
        shares.paper_id::varchar    as paper_id,
        shares.country::varchar     as country,
        shares.counting::varchar    as counting,
        shares.share::double        as share
    from shares
    cross join params
    where list_contains(params.top10_counting, shares.counting)
)

select * from final
