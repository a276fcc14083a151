"""Lookup and Japanese full-text search: query parsing, snippets and result values (no Discord here)."""
