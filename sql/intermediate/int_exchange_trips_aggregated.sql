/* Trips counted into the shape of the published table: national totals plus one breakdown each. */
with

trips as (
    select * from stg_exchange_trips
),

grouped as (
    select
        fiscal_year, direction, term, institution_type, region, country, vintage,
        grouping(institution_type, region, country) as grouping_id,
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
    from grouped
    -- a breakdown grouping keeps only rows where its own column is known
    where grouping_id = 7
        or (grouping_id = 3 and institution_type is not null)
        or (grouping_id = 5 and region is not null)
        or (grouping_id = 6 and country is not null)
)

select * from final
