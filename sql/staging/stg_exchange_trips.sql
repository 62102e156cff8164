/* One row per trip, with fiscal year (April to March) and term (30 days or less / over 30) derived. */
with

source as (
    select * from raw.exchange_trips
),

derived as (
    select
        trip_id::varchar                                              as trip_id,
        direction::varchar                                            as direction,
        -- a stay that starts in January to March belongs to the previous fiscal year
        coalesce(
            fiscal_year,
            year(start_date) - case when month(start_date) < 4 then 1 else 0 end
        )::integer                                                    as fiscal_year,
        (case when duration_days <= 30 then 'short' else 'mid_long' end)::varchar as term,
        duration_days::integer                                        as duration_days,
        institution_type::varchar                                     as institution_type,
        region::varchar                                               as region,
        country::varchar                                              as country,
        source::varchar                                               as source,
        vintage::integer                                              as vintage,
        published::date                                               as published
    from source
)

select * from derived
