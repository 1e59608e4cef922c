"""The accounts service's rules, as pure functions: no nameko, no database.

`accounts`: the kinds of account, their ids, tokens and logins, what is shown of one and who its
token acts as. `passwords`: the policy a password meets and its argon2id hash. `sessions`: how long
a portal session lasts. `rate_limits`: sliding windows for sign-in failures and codes sent.
`registrations`: an enterprise's one-time code and what a try of it comes to. Neither the gateway
nor the store decides who a person is.
"""
