/* Moving windows of top10.window_years publication years, from the first to the last year present. */
with

papers as (
    select * from int_papers_selected
),

params as (
    select * from config.params
),

span as (
    select
        min(papers.pub_year) as first_year,
        max(papers.pub_year) as last_year,
        any_value(params.top10_window_years) as window_years
    from papers
    cross join params
),

starts as (
    -- the last window ends at the latest year present, even while that year is still being
    -- indexed; data spanning fewer years than a window give one shorter window
    select
        unnest(range(first_year, greatest(first_year, last_year - window_years + 1) + 1))
            as period_start,
        last_year,
        window_years
    from span
),

final as (
    select
        period_start::integer                                           as period_start,
        least(period_start + window_years - 1, last_year)::integer      as period_end,
        (least(period_start + window_years - 1, last_year) - period_start + 1)::integer as years
    from starts
)

select * from final
