"""The tagging service's business rules, as pure functions: no nameko, no database.

`scale` (the national SME size standard), `derived` (facts computed from a profile),
`catalogue` (the tag catalogue and tag assignment), `merge` (one profile from many sources),
`policy_uses` (which tags published policies use, so none of them is retired).
"""
