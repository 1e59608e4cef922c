"""The policy service's business rules, as pure functions: no nameko, no database.

`subsidy` (the amount a match is estimated to receive), `search_index` (searching policies in
memory: folding, query terms, ranking, snippets).
"""
