"""The accounts service's rules, as pure functions: no nameko, no database.

`accounts`: the kinds of account, their ids, their tokens, what is shown of one and who its token
acts as. Passwords and sessions (the portal) join here as rules of their own (`credentials`), so
that neither the gateway nor the store decides who a person is.
"""
