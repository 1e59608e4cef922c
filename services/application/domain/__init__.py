"""The application service's business rules, as pure functions: no nameko, no database.

`stages` (the lifecycle: which action moves an application from which stage, and who may take it),
`deadlines` (due times by the official working-day calendar, the clock stopped while returned).
"""
