"""SQLite storage, one module per table group."""
