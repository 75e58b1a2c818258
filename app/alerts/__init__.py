"""Alerts that reach a person after a run: email to the firm's addresses (``app.alerts.email``) and a desktop
notification when a session is there (``app.alerts.desktop``). What a run's alert says is composed once
(``app.alerts.message``); a failure to deliver is recorded, never fatal to the run."""
