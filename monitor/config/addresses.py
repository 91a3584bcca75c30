"""Email addresses, checked once for the whole monitor with ``email-validator``.

The configuration (``[mail] from`` and every recipient list) and the message builder
(:mod:`monitor.notify.mail.message`) use the same check, so an address the configuration
accepts is one a message can carry: a plain ``name@domain`` (RFC 5322 dot-atom before the
@-sign, no quotes, no display name) whose domain is a valid DNS name. Deliverability is never
checked (no DNS query: the monitor may run without network). Internationalised local parts
(``张三@…``) are refused because SMTPUTF8 is not something a county's mail server can be
assumed to speak; internationalised domains are accepted and sent in their ASCII form.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

__all__ = ["address_problem", "ascii_address"]

#: The default sender's domain: this machine (RFC 6761 §6.3). email-validator refuses it as a
#: special-use name, so a message built with the defaults checks its local part alone.
_LOCALHOST = "localhost"


def ascii_address(value: str, *, local: bool = False) -> str:
    """``value`` checked as one email address and returned in ASCII (an internationalised
    domain as Punycode); :class:`ValueError` saying why when it is not one.

    ``local`` also accepts a domain without a dot (``monitor@localhost``, ``ops@mailhost``),
    as a mail server on the same network understands it; configuration never does.
    """
    local_part, at, domain = value.rpartition("@")
    stand_in = local and at and domain.lower() == _LOCALHOST
    checked = f"{local_part}@example.com" if stand_in else value
    try:
        result = validate_email(
            checked,
            check_deliverability=False,
            allow_smtputf8=False,
            globally_deliverable=not local,
        )
    except EmailNotValidError as exc:
        sentences = [s.strip() for s in str(exc).rstrip(".").split(". ")]
        raise ValueError("; ".join(s[:1].lower() + s[1:] for s in sentences)) from None
    ascii = result.ascii_email or result.normalized  # always set without SMTPUTF8
    return f"{ascii.rpartition('@')[0]}@{_LOCALHOST}" if stand_in else ascii


def address_problem(value: str) -> str | None:
    """Why ``value`` is not an address the configuration accepts, or None when it is one."""
    try:
        ascii_address(value)
    except ValueError as exc:
        return str(exc)
    return None
