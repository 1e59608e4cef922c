"""The policy service's business rules, as pure functions: no nameko, no database.

`lifecycle` (the moves of a policy and the rules each must pass), `matching` (who matches what,
and the event a change of matches makes), `explanations` (why an enterprise matches a policy or
what it misses), `combinability` (which matched policies exclude each other), `near_misses` (the
conditions of a rule and how the enterprises failing just one are shown), `departments` (the
default register and refusing a code it does not hold), `subsidy` (the amount a match is
estimated to receive), `search_index` (searching policies in memory: folding, query terms,
ranking, snippets).
"""
