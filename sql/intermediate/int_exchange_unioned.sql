/* Both accepted forms of exchange data (published table and trip records) in one table. */
with

published_table as (
    select * from stg_exchange
),

trip_records as (
    select * from int_exchange_trips_aggregated
),

unioned as (
    -- columns named, not matched BY NAME (which Spark SQL lacks)
    select
        fiscal_year, direction, term, researchers, institution_type, region, country, source,
        vintage, published, form
    from published_table
    union all
    select
        fiscal_year, direction, term, researchers, institution_type, region, country, source,
        vintage, published, form
    from trip_records
)

select * from unioned
