/* Researchers dispatched and accepted per fiscal year and term (short, mid_long, total), with the survey's series breaks. */
with

national as (
    select * from int_exchange_national_selected
),

series_breaks as (
    select * from stg_exchange_series_breaks
),

with_total as (
    select fiscal_year, direction, term, researchers, vintage, published, revised, source
    from national
    union all
    -- total only where both terms are published, so it is never a partial sum
    select
        fiscal_year, direction, 'total' as term, sum(researchers) as researchers,
        max(vintage) as vintage,
        -- known only when both terms' editions carry a release date
        case when count(published) = count(*) then max(published) end as published,
        bool_or(revised) as revised,
        string_agg(distinct source, '; ' order by source) as source
    from national
    group by fiscal_year, direction
    -- both terms: one row each (int_exchange_national_selected's grain); no distinct count,
    -- which Spark 4 fails on beside a distinct string aggregate
    having count(*) = 2
),

breaks as (
    select
        fiscal_year,
        direction,
        string_agg(note_en, ' ' order by note_en) as break_note,
        string_agg(note_ja, '' order by note_ja) as break_note_ja
    from series_breaks
    group by fiscal_year, direction
),

measured as (
    select
        with_total.*,
        lag(researchers) over by_series  as previous_researchers,
        lag(fiscal_year) over by_series  as previous_year,
        sum(case when term = 'short' then researchers end)
            over (partition by fiscal_year, direction) as short_researchers,
        sum(case when term = 'total' then researchers end)
            over (partition by fiscal_year, direction) as total_researchers
    from with_total
    window by_series as (partition by direction, term order by fiscal_year)
),

final as (
    select
        measured.fiscal_year::integer                                  as fiscal_year,
        measured.direction::varchar                                    as direction,
        measured.term::varchar                                         as term,
        measured.researchers::bigint                                   as researchers,
        (case
            when measured.previous_year = measured.fiscal_year - 1 and measured.previous_researchers > 0
            then 100.0 * (measured.researchers - measured.previous_researchers) / measured.previous_researchers
        end)::double                                                   as yoy_change_pct,
        (case
            when measured.total_researchers > 0
            then 100.0 * measured.short_researchers / measured.total_researchers
        end)::double                                                   as short_share_pct,
        (breaks.fiscal_year is not null)::boolean                      as series_break,
        breaks.break_note::varchar                                     as break_note,
        breaks.break_note_ja::varchar                                  as break_note_ja,
        measured.vintage::integer                                      as vintage,
        measured.published::date                                       as published,
        measured.revised::boolean                                      as revised,
        measured.source::varchar                                       as source
    from measured
    left join breaks
        on measured.fiscal_year = breaks.fiscal_year and measured.direction = breaks.direction
)

select * from final
