"""The policy service's business rules, as pure functions: no nameko, no database.

- `lifecycle`: the moves of a policy (draft, publish, revise, withdraw, start) and their rules;
- `matching`: who matches what, and the event a change of matches makes;
- `explanations`: why an enterprise matches a policy, or what it misses;
- `combinability`: which of an enterprise's matched policies exclude each other;
- `near_misses`: a rule's conditions, and how the enterprises failing just one are shown;
- `application_terms`: what the application hall opens an application on;
- `questions`: asked on a published policy, answered once, due in working days;
- `gift_packs`: what a gift pack may hold;
- `departments`: the default register, and refusing a code it does not hold;
- `subsidy`: the amount a match is estimated to receive;
- `search_index`: searching policies in memory (folding, query terms, ranking, snippets).
"""
