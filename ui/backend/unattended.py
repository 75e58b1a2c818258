"""The settings page's unattended part: the system scheduler's schedule and the email alerts. Worker thread."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.alerts import email
from app.alerts.after_run import smtp_password
from app.alerts.message import test_alert
from app.auth.tokens import TokenStore
from app.schedule import firm
from ui.context import AppContext
from ui.tasks import Changes


@dataclass(frozen=True)
class Unattended:
    every_minutes: int  # 0: no schedule
    schedule_status: str
    alerts: email.EmailSettings | None
    has_password: bool


def _data_dir(ctx: AppContext) -> str | None:
    return str(ctx.data_dir) if ctx.data_dir else None


def load_unattended(ctx: AppContext) -> Unattended:
    minutes = firm.every_minutes(ctx.store)
    state = "No schedule: syncs run only while the app is open." if ctx.is_demo or not minutes \
        else firm.status(ctx.store, ctx.profile, _data_dir(ctx))
    return Unattended(minutes, state, email.load(ctx.store), bool(smtp_password(ctx.profile)))


def install_schedule(ctx: AppContext, minutes: int) -> Changes:
    firm.install(ctx.store, ctx.profile, minutes, _data_dir(ctx))
    return Changes(settings=True)


def remove_schedule(ctx: AppContext) -> Changes:
    firm.remove(ctx.store, ctx.profile, _data_dir(ctx))
    return Changes(settings=True)


def save_alerts(ctx: AppContext, value: email.EmailSettings, password: str | None) -> Changes:
    email.save(ctx.store, value)
    if password:
        TokenStore(ctx.profile).put_secret(email.SECRET_NAME, password)
    return Changes(settings=True, audit=True)


def send_test_email(ctx: AppContext) -> str:
    value = email.load(ctx.store)
    if value is None:
        return "Save the alert settings first."
    why = email.send(ctx.store, test_alert(time.strftime("%Y-%m-%d %H:%M")), value, smtp_password(ctx.profile),
                     actor=ctx.actor)
    return f"Test email sent to {', '.join(value.recipients)}." if why is None else f"Not sent: {why}"
