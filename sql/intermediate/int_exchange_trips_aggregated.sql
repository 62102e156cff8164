/* Trips counted into the shape of the published table: national totals plus one breakdown each. */
with

trips as (
    select * from stg_exchange_trips
),

grouped as (
    select
        fiscal_year, direction, term, institution_type, region, country, vintage,
        -- the grouping's bits, one column at a time: Spark's grouping() takes one column
        grouping(institution_type) * 4 + grouping(region) * 2 + grouping(country) as grouping_id,
        count(*) as researchers,
        string_agg(distinct source, '; ' order by source) as source,
        max(published) as published
    from trips
    group by grouping sets (
        (fiscal_year, direction, term, vintage),
        (fiscal_year, direction, term, vintage, institution_type),
        (fiscal_year, direction, term, vintage, region),
        (fiscal_year, direction, term, vintage, country)
    )
),

kept as (
    -- a breakdown grouping keeps only rows where its own column is known
    select *
    from grouped
    where grouping_id = 7
        or (grouping_id = 3 and institution_type is not null)
        or (grouping_id = 5 and region is not null)
        or (grouping_id = 6 and country is not null)
),

years as (
    -- trip records cover a direction's whole fiscal year: a term with no trip in it counted
    -- 0 researchers, it was not left unpublished (so that year has a total too)
    select
        fiscal_year, direction, vintage,
        string_agg(distinct source, '; ' order by source) as source,
        max(published) as published
    from trips
    group by fiscal_year, direction, vintage
),

terms as (
    select unnest(['short', 'mid_long']) as term
),

no_trips as (
    select
        years.fiscal_year, years.direction, terms.term,
        null as institution_type, null as region, null as country, years.vintage,
        0 as researchers, years.source, years.published
    from years
    cross join terms
    anti join trips
        on trips.fiscal_year = years.fiscal_year
        and trips.direction = years.direction
        and trips.vintage is not distinct from years.vintage
        and trips.term = terms.term
),

counted as (
    select
        fiscal_year, direction, term, institution_type, region, country, vintage,
        researchers, source, published
    from kept
    union all
    select
        fiscal_year, direction, term, institution_type, region, country, vintage,
        researchers, source, published
    from no_trips
),

final as (
    select
        fiscal_year::integer       as fiscal_year,
        direction::varchar         as direction,
        term::varchar              as term,
        researchers::bigint        as researchers,
        institution_type::varchar  as institution_type,
        region::varchar            as region,
        country::varchar           as country,
        source::varchar            as source,
        vintage::integer           as vintage,
        published::date            as published,
        'trips'::varchar           as form
    from counted
)

select * from final
