"""Screenshots of the pages a bookkeeper meets when connecting a real firm, for docs/CONNECTING.md.

    bash tests/run.sh --version >/dev/null; dbus-run-session -- python3 scripts/connecting_shots.py

Runs offscreen against the local sandbox, set up the way a real firm's profile is (no demo shortcuts): the
developer-apps page, the Clio page, the QuickBooks page with development keys, and the paste-back with
production keys (the emulated Intuit in production mode), then Settings → Connections. Needs a keychain
(the Secret Service inside a D-Bus session, as tests/run.sh starts one).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from scripts.screenshots import shoot, wait_until  # noqa: E402


def main() -> int:
    import webbrowser

    from app import workstation
    from app.auth.redirects import QboEnvironment
    from app.auth.tokens import ClientCredentials, TokenStore
    from app.sandbox.runner import Sandbox
    from app.store import open_store, settings
    from ui import theme
    from ui.context import AppContext
    from ui.main import make_app
    from ui.main_window import MainWindow

    out = ROOT / "docs" / "screenshots"
    home = Path(tempfile.mkdtemp(prefix="ledgerbridge-shots-"))
    os.environ["LEDGERBRIDGE_HOME"] = str(home)  # a throw-away workstation: nothing of the user's is touched
    landing = "https://books.example-firm.com/ledgerbridge"
    profile = "connecting-docs"
    app = make_app()
    theme.apply_theme(app, "light")
    opened: list[str] = []
    webbrowser.open = lambda url, *a, **k: opened.append(url) or True  # type: ignore[assignment]
    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False) as sb:
        store = open_store(home / "firm.sqlite3")
        tokens = TokenStore(profile)
        try:
            window = MainWindow(AppContext(store, profile, home, actor="user:docs"))
            window.resize(1280, 900)
            window.show()
            window.open_wizard()
            wiz = window.wizard
            assert wiz is not None
            wiz.resize(860, 900)
            wiz.next()
            wait_until(lambda: wiz.apps_page.addresses.clio_address.text() != "")
            shoot(wiz, out / "connecting-1-developer-apps.png")
            # What the bookkeeper entered on that page, and registered at the portals:
            workstation.save(workstation.Workstation(qbo_production_redirect=landing))
            tokens.save_credentials("clio", ClientCredentials(sb.clio_client_id, sb.clio_client_secret))
            tokens.save_credentials("qbo-sandbox", ClientCredentials(sb.qbo_client_id, sb.qbo_client_secret))
            tokens.save_credentials("qbo", ClientCredentials(sb.qbo_client_id, sb.qbo_client_secret))
            settings.put(store, "qbo.discovery_url", sb.qbo_discovery_url)
            settings.put(store, "qbo.api_url", sb.qbo_url)
            wiz.next()
            page = wiz.clio_page
            wait_until(lambda: page.redirect.text() != "")
            shoot(wiz, out / "connecting-2-clio.png")
            wiz.next()
            qbo = wiz.qbo_page
            wait_until(lambda: qbo.sign_in is not None)
            qbo.environment.setCurrentIndex(qbo.environment.findData("sandbox"))
            shoot(wiz, out / "connecting-3-quickbooks-development.png")
            sb.qbo.oauth_mode = QboEnvironment.PRODUCTION
            sb.qbo.register_redirect_uri(landing)
            qbo.environment.setCurrentIndex(qbo.environment.findData("production"))
            qbo.button.click()
            wait_until(lambda: bool(opened) and qbo.finish_button.isEnabled())
            landed = httpx.get(opened[-1], follow_redirects=False, timeout=10).headers["location"]
            qbo.paste.setText(landed)
            shoot(wiz, out / "connecting-4-quickbooks-paste.png")
            qbo.finish_button.click()
            wait_until(lambda: qbo.connected)
            shoot(wiz, out / "connecting-5-quickbooks-connected.png")
            wiz.reject()
            window.show_page(window.settings)
            window.settings.refresh_credentials()
            wait_until(lambda: window.settings.sign_in.qbo_production.text() == landing)
            shoot(window, out / "connecting-6-settings.png")
            window.close()
        finally:
            for key in ("clio", "qbo", "qbo-sandbox"):
                tokens.delete_credentials(key)
            tokens.delete("qbo")
            tokens.delete("clio")
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
