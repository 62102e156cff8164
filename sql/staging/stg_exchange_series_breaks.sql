/* The survey's series breaks, one row per fiscal year and affected direction. */
with

source as (
    select * from seeds.exchange_series_breaks
),

directions as (
    select unnest(['dispatch', 'accept']) as direction
),

expanded as (
    select
        source.fiscal_year::integer   as fiscal_year,
        directions.direction::varchar as direction,
        source.note_ja::varchar       as note_ja,
        source.note_en::varchar       as note_en
    from source
    inner join directions
        on source.direction = directions.direction or source.direction = 'both'
)

select * from expanded
