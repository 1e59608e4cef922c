"""The notification service's rules, as pure functions: no nameko, no database, no eventlet.

Modules: `preferences` (an enterprise's notification preferences: the notice kinds and channels, quiet
hours, digest; their defaults, how a change is checked and merged, which channels are available, whether
a China time falls in the quiet hours); `contacts` (the enterprise's phone and e-mail: what a change may
say); `delivery` (retries with backoff and jitter, a provider's circuit and pace, quiet hours, the daily SMS
limit and digest); `templates` (what a message says, in one SMS segment with a link).
"""
