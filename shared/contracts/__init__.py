"""One pydantic model for every message on the bus (contract section 1 and the internal events).

Inbound government events live in `gov`, the platform's own events in `events`.
"""
