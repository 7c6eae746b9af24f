"""Pure transformations: text in, records out. No IO, no Prefect, no DuckDB."""
