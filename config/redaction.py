"""Keep secrets out of logs: ``redact`` masks them in text; ``install`` in every log record.

Masked: integration tokens (``dsk_…``: the 12-character prefix stays, as the
admin shows it), webhook signing secrets (``whsec_…``), ``Authorization`` and
``Cookie`` headers, and the values of password, session id and CSRF token
fields however they are written (``password=…``, ``'password': ['…']``,
``"sessionid": "…"``).

``install`` wraps the log record factory, so a record is masked when it is
created: every handler sees only the masked text (the console, Celery's
worker handlers, pytest's capture), message, arguments and traceback alike.
Records without a secret are left as they were. ``config.apps`` installs it
when the apps are ready, in web processes and workers alike.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"

_ALREADY_MASKED = re.compile(r"\s*\[?\s*['\"]?\[redacted\]")
# The stored, public prefix is "dsk_" and 8 characters; what follows is the secret.
_TOKEN = re.compile(r"\b(dsk_[A-Za-z0-9_\-]{8})[A-Za-z0-9_\-]+")
_WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9_\-]+")
# A header written as ``Authorization: Bearer x``, ``'HTTP_AUTHORIZATION': 'Bearer x'`` or ``Cookie=...``.
_HEADER = re.compile(
    r"(?i)\b((?:HTTP_)?(?:PROXY_)?(?:AUTHORIZATION|COOKIE)['\"]?\s*[:=]\s*)"
    r"(\[\s*)?(['\"]?)([^'\"\r\n\]]*)"
)
_FIELD = re.compile(
    r"(?i)\b((?:new_|old_)?password\d?|passwd|secret|api_key|access_token|refresh_token"
    r"|secret_key|sessionid|session_key|csrftoken|csrfmiddlewaretoken)\b"
    r"(['\"]?\s*[:=]\s*)(\[\s*)?(['\"]?)([^\s'\"&,;\]}]+)"
)


def redact(text: str) -> str:
    """``text`` with every secret it contains replaced by ``[redacted]``; masking twice changes nothing."""
    if not text:
        return text
    text = _HEADER.sub(lambda m: _unless_masked(m, 1, f"{m[1]}{m[2] or ''}{m[3]}{MASK}"), text)
    text = _FIELD.sub(lambda m: _unless_masked(m, 2, f"{m[1]}{m[2]}{m[3] or ''}{m[4]}{MASK}"), text)
    text = _TOKEN.sub(lambda m: f"{m[1]}…{MASK}", text)
    return _WEBHOOK_SECRET.sub(f"whsec_{MASK}", text)


def _unless_masked(match: re.Match, separator_group: int, masked: str) -> str:
    """``masked``, or the match as it was when its value is a mask already."""
    if _ALREADY_MASKED.match(match.string, match.end(separator_group)):
        return match[0]
    return masked


_formatter = logging.Formatter()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask secrets in ``record``'s message, traceback and stack, in place; returns it."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the handler reports it as usual
        return record
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        traceback = _formatter.formatException(record.exc_info)
        masked = redact(traceback)
        if masked != traceback:
            record.exc_text = masked  # formatters print exc_text when it is set
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Mask secrets in every log record created from now on. Installing twice changes nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_secrets", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
