"""Discord extensions: thin glue between Discord and the domain in ``bot``."""
