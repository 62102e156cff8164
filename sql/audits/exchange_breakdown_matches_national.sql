/* warn: Breakdown rows (institution type, region or country) sum to the national total; the ministry notes region totals can differ. */
with

exchange as (
    select * from int_exchange_unioned
),

national as (
    select fiscal_year, direction, term, vintage, researchers as national_researchers
    from exchange
    where institution_type is null and region is null and country is null
),

breakdowns as (
    select
        fiscal_year, direction, term, vintage,
        case
            when institution_type is not null then 'institution_type'
            when region is not null then 'region'
            else 'country'
        end as breakdown,
        sum(researchers) as breakdown_researchers
    from exchange
    where institution_type is not null or region is not null or country is not null
    group by all
),

compared as (
    select
        breakdowns.fiscal_year,
        breakdowns.direction,
        breakdowns.term,
        breakdowns.vintage,
        breakdowns.breakdown,
        breakdowns.breakdown_researchers,
        national.national_researchers,
        breakdowns.breakdown_researchers - national.national_researchers as difference
    from breakdowns
    left join national using (fiscal_year, direction, term, vintage)
)

select * from compared
where national_researchers is null or difference != 0
order by fiscal_year, direction, term, breakdown
