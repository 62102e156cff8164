/* Each mapped country's fractional credit for a paper by author: 1/n_authors per author, split equally over the author's addresses. */
-- materialized: view
-- (read once, by int_paper_country_shares, and only when counting by author)
with

located as (
    select * from int_affiliations_located
),

params as (
    select * from config.params
),

author_addresses as (
    -- built only when counting by author: it is the costliest step, wasted otherwise
    select distinct located.paper_id, located.author_key, located.address_seq, located.country
    from located
    cross join params
    where params.top10_fractional_unit = 'author'
),

author_countries as (
    select paper_id, author_key, country, count(*) as addresses
    from author_addresses
    group by paper_id, author_key, country
),

author_totals as (
    -- per-paper and per-author totals joined back: far cheaper than windows over millions
    -- of tiny partitions
    select paper_id, author_key, sum(addresses) as author_addresses
    from author_countries
    group by paper_id, author_key
),

paper_authors as (
    select paper_id, count(*) as authors
    from author_totals
    group by paper_id
),

author_spread as (
    select
        author_countries.paper_id,
        author_countries.author_key,
        author_countries.country,
        -- the part of this author that lies in this country: addresses there / their addresses
        author_countries.addresses::double / author_totals.author_addresses as author_part,
        paper_authors.authors
    from author_countries
    inner join author_totals using (paper_id, author_key)
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

final as (
    select
        paper_id::varchar   as paper_id,
        country::varchar    as country,
        share::double       as share
    from by_author
)

select * from final
