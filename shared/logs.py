"""Structured JSON logs, one event per line, bound to service, entrypoint and correlation id."""
from __future__ import annotations

import logging
import sys

import structlog
from nameko.extensions import DependencyProvider

from shared.config import settings

_configured = False


def configure(level: str = "INFO") -> None:
    """Route structlog and the standard library (nameko, kombu) through one JSON renderer."""
    global _configured
    if _configured:
        return
    _configured = True
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    ))
    # No line names its source file, thread or process; finding them cost more than the rest of a
    # line (the caller's frame, and eventlet's name for the green thread): the logging HOWTO's
    # "Optimization" switches.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "nameko.messaging", "nameko.runners"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Nameko logs every failed worker with its traceback; our entrypoints log the same failure
    # once, with the correlation id and what became of the message.
    logging.getLogger("nameko.containers").setLevel(logging.CRITICAL)


def correlation_id_of(worker_ctx) -> str:
    """The id that followed this request or event across services (set by our entrypoints)."""
    return worker_ctx.context_data.get("correlation_id") or worker_ctx.call_id


def get_logger(name: str, **bound):
    configure(settings().log_level)
    return structlog.get_logger(name).bind(**bound)


class Logger(DependencyProvider):
    """Gives each worker a logger bound to the service, its entrypoint and the correlation id."""

    def setup(self):
        self.service_logger = get_logger(f"huiqi.{self.container.service_name}",
                                         service=self.container.service_name)

    def get_dependency(self, worker_ctx):
        return self.service_logger.bind(entrypoint=worker_ctx.entrypoint.method_name,
                                        correlation_id=correlation_id_of(worker_ctx))
