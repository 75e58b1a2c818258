"""After a run (whoever started it): tell a person when it needs one, by desktop notification and email."""

from __future__ import annotations

from app.alerts import desktop, email
from app.alerts.message import compose
from app.errors import LedgerbridgeError
from app.store import exceptions as exq
from app.store import settings
from app.store.db import Store
from app.sync.runs import RunRecord


def sign_in_warnings(profile: str, now: float) -> list[str]:
    """The connections' sign-ins that were refused or expire soon (nothing when the keychain cannot say)."""
    from app.auth.tokens import TokenStore
    from app.connections import sign_in_state

    try:
        tokens = TokenStore(profile)
        states = [sign_in_state(tokens.load(key), label, now) for key, label in (("clio", "Clio"),
                                                                                  ("qbo", "QuickBooks"))]
    except LedgerbridgeError:
        return []
    return [s.warning for s in states if s.warning]


def smtp_password(profile: str) -> str | None:
    from app.auth.tokens import TokenStore

    try:
        return TokenStore(profile).get_secret(email.SECRET_NAME)
    except LedgerbridgeError:
        return None


def after_run(store: Store, profile: str, run: RunRecord | None, *, now: float, desktop_too: bool = True
              ) -> list[str]:
    """Deliver ``run``'s alert, if it needs one; what was done, in words (for the command line's output).
    The window passes ``desktop_too=False``: it shows the run's outcome itself."""
    if run is None:
        return []
    new = [i for i in exq.list_items(store, status=exq.WAITING) if i.created_at >= run.started]
    alert = compose(str(settings.get(store, "firm_name", "") or ""), run, new, sign_in_warnings(profile, now))
    if alert is None:
        return []
    done = []
    if desktop_too and desktop.notify(alert.subject, alert.body.split("\n", 1)[0]):
        done.append("Alert shown on the desktop.")
    config = email.load(store)
    if config is not None:
        why = email.send(store, alert, config, smtp_password(profile))
        done.append(f"Alert emailed to {', '.join(config.recipients)}." if why is None
                    else f"The alert email could not be sent ({why}); it is noted in the audit log.")
    return done
