"""What the platform's entrypoints (RPC, the gateway's HTTP routes) change in Nameko's."""
from __future__ import annotations

import inspect

from nameko.exceptions import IncorrectSignature


class CheckedSignature:
    """Checks a call's arguments against the method as Nameko's `check_signature` does, with the
    method's signature built once: `inspect.getcallargs` builds it anew on every call (26 µs a
    call here, against 5 to bind the arguments to a signature built once)."""

    def check_signature(self, args, kwargs):
        signature = self.__dict__.get("_signature")
        if signature is None:
            signature = self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name))
        try:
            signature.bind(None, *args, **kwargs)   # None in place of the service instance
        except TypeError as error:
            raise IncorrectSignature(str(error)) from None
