"""The full-text index over episodes and topics, kept current by SQL triggers, and the lookup queries.

Where things are
    How text becomes tokens: :mod:`bot.text` (normalisation, tokens) and :mod:`bot.search.query` (what a
    listener typed → terms → an FTS5 expression). Here: :mod:`.docids` (rowid layout, newest first),
    :mod:`.functions` (what SQLite calls to tokenise a document), :mod:`.schema` (tables, triggers, flush,
    rebuild), :mod:`.mining` (the names mined from the indexed text), :mod:`.index` (keeping the index
    current), :mod:`.queries` (search and ranking), :mod:`.suggest` (autocomplete, episode references),
    :mod:`.browse` (random, topics, statistics) and :mod:`.store` (:class:`SearchStore`, all of them over one
    database).

Index
    ``search_fts`` is a contentless FTS5 table (the text lives in ``episodes``/``topics``; the index holds
    only tokens: the bigrams of :func:`bot.text.index_text` of the kana-folded text, and the variant tokens of
    :mod:`bot.search.variants`, see :mod:`.functions`) with columns ``title`` (a topic's title), ``body`` (its
    summary; for an episode document, the episode's title and description — the show's boilerplate title must
    not outrank topic titles), ``site`` and ``meta`` (exact-match filter tokens for MC and site, never ranked).
    Prefix indexes of 1 and 3 characters make single-character queries (``猫``) and 3-letter Latin prefixes
    (``cla`` → ``claude``) as cheap as whole tokens (the 1-character one adds 44 % to the index, but a
    single-character query would otherwise merge the lists of every bigram starting with it); a longer Latin
    prefix (``claud``) matches few words and is found as fast by scanning them, so schema version 5's 4-to-6
    letter indexes are gone (:data:`.schema.COMPACT_SCHEMA`).

    ``search_pairs`` holds the names the archive writes in both scripts (:mod:`bot.search.names`),
    ``search_sounds`` every Latin word and katakana name by its sound (:mod:`bot.search.sounds`) and
    ``search_readings`` every kanji word by its reading (:mod:`bot.search.readings`), all mined from what the
    flush indexes (by a helper process while SQLite indexes, for a large flush) and rebuilt with the index; a
    query word the index does not hold in any form is also looked for by the kanji words it reads as and the
    names that sound like it (:meth:`.queries.SearchQueries.widened`).

Document ids
    Every live episode owns a block of rowids, newest first: :mod:`.docids`.

Maintenance
    Triggers on ``episodes`` and ``topics`` keep the docbase map current and queue, in ``search_queue``,
    every document to add or remove with the raw values it is indexed from: inserts add, deletes remove (a
    contentless table needs the old tokens, recomputed at removal by the same deterministic functions from
    the queued old values), withdrawing an episode removes its documents and restoring it adds them back.
    :meth:`.index.SearchIndex.flush` applies the queue in set-based statements; every lookup flushes first, so
    the index a query sees always equals the live rows, and the bot also flushes in the background right
    after ingesting. Queueing keeps ingestion fast: FTS5 flushes its in-memory buffer at every statement
    savepoint, so indexing row by row from the triggers themselves made a cold ingest of the corpus three
    times slower. The tokenising functions are Python (:mod:`.functions`), registered on every
    connection when it opens. When :data:`bot.text.TOKENIZER_VERSION` changes,
    :meth:`.index.SearchIndex.ensure_current` rebuilds the index.

Ranking
    bm25 with the title weighted, or recency for common words: :mod:`.queries`.
"""
