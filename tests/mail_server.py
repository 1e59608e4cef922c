"""A real SMTP server for the tests (aiosmtpd, its own process) keeping what it receives in a maildir:
the integration tests' `mail_server` fixture, and the end-to-end tests that tell the platform's processes
its port before they start."""
from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.header import decode_header, make_header
from pathlib import Path


@contextmanager
def running_mail_server(port: int, maildir: Path) -> Iterator[tuple[str, mailbox.Maildir]]:
    """Yields (its smtp:// URL, the maildir) once it accepts connections; stopped on leaving."""
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the SMTP server did not start") from None
                time.sleep(0.1)
        yield f"smtp://127.0.0.1:{port}", mailbox.Maildir(maildir, create=False)
    finally:
        process.terminate()
        process.wait(timeout=10)


def mails_to(maildir: mailbox.Maildir, address: str) -> list[str]:
    """The texts of the mails to `address`, in no particular order."""
    return sorted(message.get_payload(decode=True).decode("utf-8").strip() for message in maildir
                  if str(make_header(decode_header(message["To"]))) == address)
