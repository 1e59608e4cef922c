"""The application service's business rules, as pure functions: no nameko, no database, no eventlet.

`stages` (the lifecycle: which action moves an application from which stage, and who may take it),
`deadlines` (due times by the official working-day calendar, the clock stopped while returned),
`opening` (when terms allow an application, and what a new one records), `moves` (the steps an action
writes, with the hall's own routing), `budget` (what an approval reserves, and when it does not fit),
`public_notice` (objections and the public record), `visibility` (who may see an application),
`alarms` (who an overdue stage alarms, and when it escalates), `answers` (an application as its readers
see it), `proactive` (免申即享: which matches make an offer, which offers lapsed), `materials` (what an
applicant may upload). A rule says no with `refusals.Refused`; `hall` turns it into the service's error.
"""
