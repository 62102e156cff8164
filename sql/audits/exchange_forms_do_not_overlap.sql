/* error: A figure comes either from the published table or from trip records, never both (it would be counted twice). */
with

exchange as (
    select * from int_exchange_unioned
),

forms as (
    select
        fiscal_year, direction, term, vintage, institution_type, region, country,
        count(distinct form) as forms
    from exchange
    group by all
)

select * from forms
where forms > 1
order by fiscal_year, direction, term
