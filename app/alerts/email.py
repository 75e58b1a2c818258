"""Email alerts: the firm's SMTP settings (non-secret, in its settings), the password in the keychain, and the
sending, over STARTTLS when asked. A failed send is recorded in the audit log and returned; it never fails
the run it reports on."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any

from app.alerts.message import Alert
from app.errors import LedgerbridgeError
from app.logs import redact
from app.store import audit, settings
from app.store.db import Store

SETTING_KEY = "alerts.email"
SECRET_NAME = "smtp-password"


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 587
    starttls: bool = True
    user: str = ""
    sender: str = ""
    recipients: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recipients"] = list(self.recipients)
        return data


def load(store: Store) -> EmailSettings | None:
    data = settings.get(store, SETTING_KEY)
    if not data:
        return None
    return EmailSettings(**{**data, "recipients": tuple(data.get("recipients") or ())})


def save(store: Store, value: EmailSettings) -> None:
    if not value.host or not value.recipients:
        raise LedgerbridgeError("Email alerts need an SMTP host and at least one address",
                                kept="The alert settings were not changed.",
                                next_step="Give the host and the addresses to write to.")
    settings.put(store, SETTING_KEY, value.to_json())


def message(alert: Alert, value: EmailSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = alert.subject
    msg["From"] = value.sender or value.user or f"ledgerbridge@{value.host}"
    msg["To"] = ", ".join(value.recipients)
    msg.set_content(alert.body)
    return msg


def send(store: Store, alert: Alert, value: EmailSettings, password: str | None, *, actor: str = "alerts",
         timeout: float = 20.0) -> str | None:
    """Send ``alert``; None when sent, else why not (also written to the audit log as ``alerts.failed``)."""
    try:
        with smtplib.SMTP(value.host, value.port, timeout=timeout) as smtp:
            if value.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if value.user:
                smtp.login(value.user, password or "")
            smtp.send_message(message(alert, value))
    except (OSError, smtplib.SMTPException) as exc:
        why = redact(f"{type(exc).__name__}: {exc}")[:300]
        audit.append(store, actor=actor, action="alerts.failed",
                     detail=f"email to {', '.join(value.recipients)} not sent ({why}): {alert.subject}")
        return why
    audit.append(store, actor=actor, action="alerts.sent",
                 detail=f"email to {', '.join(value.recipients)}: {alert.subject}")
    return None
