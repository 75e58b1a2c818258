"""The setup wizard: connect Clio, connect QuickBooks, map accounts, pick items, preview customer matching,
confirm. Re-runnable: it starts from the saved mapping. It refuses to finish with an invalid mapping and
says why (``app.mapping.validate``'s sentences).

Every network or disk step runs on the task runner; a page waits for its result without blocking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.auth.redirects import QBO_SCOPE, QboEnvironment
from ui import connections
from ui.app_credentials import AppCredentialsForm
from ui.context import AppContext
from ui.cutover_page import CutoverPage, PreviewTable, save_cutover
from ui.sign_in_addresses import QBO_ENVIRONMENTS, SignInAddresses, copy_row
from ui.source_page import SourcePage, label_of, mycase_form, smokeball_form
from ui.table_model import Column, RowsModel
from ui.tasks import Lane, Op, TaskManager

REGIONS = [("United States", "us"), ("Europe", "eu"), ("Canada", "ca"), ("Australia", "au")]


@dataclass
class ChartData:
    """What the mapping pages pick from, read from QuickBooks and Clio on a worker."""

    accounts: list[dict[str, Any]]
    items: list[dict[str, Any]]
    clio_banks: list[Any]  # app.model.BankAccount
    suggested: Any  # app.mapping.Mapping
    matches: list[tuple[str, str, str, str]] = field(default_factory=list)  # client, email, outcome, QBO customer
    practice_areas: list[str] = field(default_factory=list)  # the names found on the firm's Clio matters


def load_chart(ctx: AppContext) -> ChartData:
    from app.clio.fields import CONTACTS, MATTERS
    from app.clio.normalize import to_bank_account, to_client
    from app.mapping import demo_defaults, load_mapping
    from app.sync.customer_match import CustomerDirectory

    clio, qbo = connections.build_clients(ctx)
    try:
        accounts = qbo.query_all("Account")
        items = qbo.query_all("Item")
        customers = qbo.query_all("Customer")
        banks = [to_bank_account(r) for r in clio.iter_records("bank_accounts", "id,etag,name,type,currency,balance")]
        clients = [to_client(r) for r in clio.iter_records("contacts", CONTACTS)]
        areas = practice_areas(clio.iter_records("matters", MATTERS))
    finally:
        clio.close()
        qbo.close()
    saved = load_mapping(ctx.store)
    suggested = saved or demo_defaults(accounts, items, clio_bank_accounts=banks)
    directory = CustomerDirectory(customers)
    matches = []
    for c in sorted(clients, key=lambda c: c.name.casefold()):
        m = directory.match(c)
        qbo_name = ", ".join(str(x.get("DisplayName", "")) for x in m.candidates)
        outcome = {"link": "links to existing", "new": "new customer", "near": "near match: you decide",
                   "ambiguous": "several matches: you decide"}[m.outcome]
        matches.append((c.name, c.email, outcome, qbo_name))
        if m.outcome == "link":
            directory.claim(m.qbo_id)
    return ChartData(accounts, items, banks, suggested, matches, areas)


def practice_areas(matters: Iterable[dict[str, Any]]) -> list[str]:
    """The distinct practice area names on Clio matters (raw records), sorted; a matter without one is
    skipped. Names that differ only in case are one area, as ``Mapping.item_for_practice`` treats them."""
    from app.clio.normalize import to_matter

    found: dict[str, str] = {}
    for raw in matters:
        name = to_matter(raw).practice_area.strip()
        if name:
            found.setdefault(name.casefold(), name)
    return sorted(found.values(), key=str.casefold)


def create_trust_accounts(ctx: AppContext, names: list[tuple[int, str]]) -> list[tuple[int, dict, dict]]:
    """The wizard's worker side of ``app.mapping.accounts.create_trust_accounts`` (clients and closing)."""
    from app.mapping.accounts import create_trust_accounts as create

    clio, qbo = connections.build_clients(ctx)
    try:
        return create(ctx.store, qbo, names, actor=ctx.actor)
    finally:
        clio.close()
        qbo.close()


def save_mapping(ctx: AppContext, mapping: Any) -> Any:
    from app.mapping import save_mapping as save
    from app.store import audit

    save(ctx.store, mapping)
    audit.append(ctx.store, actor=ctx.actor, action="mapping.saved", detail="account mapping saved by the setup wizard")
    return mapping


class _TaskPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard


CLIO_HELP = (
    "<b>Clio</b> — at the developer portal of your Clio region (developers.clio.com, or eu., ca., au.), "
    "create an application. Give it the redirect URI below, exactly, and read access to what the sync "
    "reads: contacts, matters, bills and their line items, payments (allocations) and credit memos, "
    "bank accounts and their transactions, and the signed-in user. No write access is needed. Paste its "
    "App Key (client id) and App Secret below."
)
INTUIT_HELP = (
    "<b>QuickBooks</b> — at developer.intuit.com, create an app for QuickBooks Online with the scope "
    f"<code>{QBO_SCOPE}</code> (Accounting). Intuit gives it two pairs of keys. <i>Development</i> keys "
    "connect to a sandbox company, to try Ledgerbridge safely: register the development redirect URI "
    "below. <i>Production</i> keys connect to the firm's real books: Intuit accepts only https addresses "
    "there, so register an https address of your own (nothing needs to answer at it) and enter it below; "
    "you will paste back the address the browser lands on."
)


class DeveloperAppsPage(_TaskPage):
    """What to register at each developer portal, and where to paste the keys (once per workstation)."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Your developer apps")
        self.setSubTitle("A desktop app ships no keys: Ledgerbridge signs in through your own Clio and Intuit "
                         "developer apps. You do this once for this computer, for every firm.")
        layout = QVBoxLayout(self)
        if wizard.ctx.is_demo:
            layout.addWidget(QLabel("<b>Demo:</b> the local sandbox brings its own keys; nothing to enter here."))
        for text in (CLIO_HELP, INTUIT_HELP):
            label = QLabel(text)
            label.setWordWrap(True)
            layout.addWidget(label)
        self.addresses = SignInAddresses(wizard.ctx, wizard.tasks)
        for button in self.addresses.disconnect_buttons.values():
            button.hide()  # disconnecting lives in Settings
        layout.addWidget(self.addresses)
        self.credentials = AppCredentialsForm(wizard.ctx, wizard.tasks)
        layout.addWidget(self.credentials)

    def initializePage(self) -> None:
        self.addresses.refresh()
        self.credentials.refresh()


class ConnectPage(_TaskPage):
    """One connection: a Connect button that runs the browser sign-in on a worker."""

    def __init__(self, wizard: SetupWizard, which: str) -> None:
        super().__init__(wizard)
        self.which = which
        self.connected = False
        label = "Clio" if which == "clio" else "QuickBooks"
        self.setTitle(f"Connect {label}")
        self.setSubTitle(f"Sign in to {label} in your browser and allow Ledgerbridge to read"
                         + (" your billing and trust data." if which == "clio" else " and post to your books."))
        layout = QFormLayout(self)
        self.form = layout
        self.region = QComboBox()
        self.redirect = QLabel()
        if which == "clio":
            for name, key in REGIONS:
                self.region.addItem(name, key)
            self.region.setToolTip("The Clio region your firm's account is in")
            layout.addRow("Region:", self.region)
            self.region.setEnabled(not wizard.ctx.is_demo)
            self.redirect_row = copy_row(self.redirect, "Copy it into your Clio developer app")
            layout.addRow("Redirect URI:", self.redirect_row)
        if which == "clio":  # a firm on Smokeball signs in on this page too (shown when it is the source)
            self.smokeball, self.mycase = smokeball_form(), mycase_form()
            for form in (self.smokeball, self.mycase):
                layout.addRow(form)
                layout.setRowVisible(form, False)
        self.button = QPushButton(f"Connect {label}…")
        self.button.setToolTip("Opens the sign-in page in your browser")
        self.status = QLabel("Not connected.")
        self.status.setWordWrap(True)
        layout.addRow(self.button)
        layout.addRow(self.status)
        self.button.clicked.connect(self.connect_now)

    def initializePage(self) -> None:
        ctx = self.w.ctx
        if self.which == "clio" and self.w.intro.source() != "clio":
            self._other_source(self.w.intro.source())
            return
        self.w.tasks.run(Op("Reading the sign-in settings", lambda _t: connections.load_sign_in(ctx),
                            lane=Lane.POOL, on_success=self.show_sign_in))

    def _other_source(self, key: str) -> None:
        """A firm on Smokeball: its region and developer app instead of Clio's (the demo's sandbox brings its
        own keys), then the same browser sign-in. A firm on MyCase: its app's keys, then the browser sign-in."""
        label = label_of(key)
        self.setTitle(f"Connect {label}")
        self.setSubTitle(f"Sign in to {label} in your browser and allow Ledgerbridge to read your billing and trust "
                         "data.")
        self.form.setRowVisible(self.region, False)
        self.form.setRowVisible(self.redirect_row, False)
        self.form.setRowVisible(self.smokeball, key == "smokeball" and not self.w.ctx.is_demo)
        self.form.setRowVisible(self.mycase, key == "mycase" and not self.w.ctx.is_demo)
        self.button.setText(f"Connect {label}…")
        if self.w.ctx.is_demo:
            self.status.setText(f"The demo's {label} sign-in page is the local sandbox's and approves at once.")

    def show_sign_in(self, sign_in: Any) -> None:
        self.redirect.setText(sign_in.workstation.clio_redirect)

    def connect_now(self) -> None:
        from app.auth.oauth import CLIO_REGIONS

        ctx = self.w.ctx
        self.button.setEnabled(False)
        self.status.setText("Waiting for the browser sign-in…")
        if self.which == "clio" and self.w.intro.source() == "smokeball":
            region, keys = self.smokeball.region.currentData(), self.smokeball.app_credentials()
            fn = lambda _t: connections.connect_smokeball(ctx, region, keys)  # noqa: E731
        elif self.which == "clio" and self.w.intro.source() == "mycase":
            keys = self.mycase.app_credentials()
            fn = lambda _t: connections.connect_mycase(ctx, keys)  # noqa: E731
        elif self.which == "clio":
            region = CLIO_REGIONS[self.region.currentData()]
            fn = lambda _t: connections.connect_clio(ctx, region)  # noqa: E731
        else:
            fn = lambda _t: connections.connect_qbo(ctx)  # noqa: E731
        self._run(f"Connecting {self.which}", fn)

    def _run(self, label: str, fn: Any) -> None:
        self.w.tasks.run(Op(label, fn, lane=Lane.POOL, on_success=self.succeeded, on_failure=self.failed,
                            on_finally=lambda: self.button.setEnabled(True)))

    def succeeded(self, text: str) -> None:
        self.connected = True
        self.status.setText(f"<span style='color:#2e7d32'>● {text}</span>")
        self.completeChanged.emit()

    def failed(self, exc: BaseException) -> None:
        self.status.setText(f"<span style='color:#c62828'>{exc}</span>")
        self.w.tasks.report_error(f"Connecting {self.which}", exc)

    def isComplete(self) -> bool:
        return self.connected


class QboConnectPage(ConnectPage):
    """QuickBooks: which keys (a sandbox company or the firm's books), then the loopback sign-in for
    development keys, or for production keys the paste-back: open the sign-in, approve, paste the address
    the browser landed on."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "qbo")
        self.environment = QComboBox()
        for env, text in QBO_ENVIRONMENTS:
            self.environment.addItem(text, env.value)
        self.environment.setEnabled(not wizard.ctx.is_demo)
        self.environment.currentIndexChanged.connect(self._environment_chosen)
        self.form.insertRow(0, "Connect to:", self.environment)
        self.form.insertRow(1, "Redirect URI:", copy_row(self.redirect, "Copy it into your Intuit app"))
        self.paste = QLineEdit()
        self.paste.setPlaceholderText("Paste the whole address the browser landed on after you approved")
        self.finish_button = QPushButton("Finish connecting")
        self.finish_button.setToolTip("Reads the company, code and state from the pasted address")
        self.finish_button.clicked.connect(self.finish_paste)
        self.form.insertRow(3, "Landed on:", self.paste)
        self.form.insertRow(4, self.finish_button)
        self.sign_in: Any = None
        self._pending: Any = None  # the connection waiting for the pasted address
        self._environment_chosen()

    def show_sign_in(self, sign_in: Any) -> None:
        self.sign_in = sign_in
        index = self.environment.findData(QboEnvironment.SANDBOX.value if self.w.ctx.is_demo
                                          else sign_in.qbo_environment.value)
        self.environment.setCurrentIndex(max(0, index))
        self._environment_chosen()

    def production(self) -> bool:
        return self.environment.currentData() == QboEnvironment.PRODUCTION.value

    def _environment_chosen(self, *_args: object) -> None:
        production = self.production()
        ws = self.sign_in.workstation if self.sign_in is not None else None
        address = (ws.qbo_redirect(self.environment.currentData()) if ws is not None else "") or \
            "(enter the https address you registered, on the developer-app page or in Settings)"
        self.redirect.setText(address)
        self.button.setText("Open the QuickBooks sign-in…" if production else "Connect QuickBooks…")
        for widget in (self.paste, self.finish_button):
            widget.setVisible(production)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(production)
        self.finish_button.setEnabled(self._pending is not None)

    def connect_now(self) -> None:
        ctx, env = self.w.ctx, self.environment.currentData()
        self.button.setEnabled(False)
        if not self.production():
            self.status.setText("Waiting for the browser sign-in…")
            self._run("Connecting QuickBooks", lambda _t: connections.connect_qbo_with(ctx, env))
            return
        self.status.setText("Opening the sign-in page…")

        def opened(result: tuple[Any, str]) -> None:
            self._pending, _url = result
            self.finish_button.setEnabled(True)
            self.status.setText("Approve in the browser; it then lands on your registered address. Copy that "
                                "whole address from the browser's address bar and paste it here.")

        self.w.tasks.run(Op("Starting the QuickBooks sign-in",
                            lambda _t: connections.start_qbo_paste_with(ctx, env), lane=Lane.POOL,
                            on_success=opened, on_failure=self.failed,
                            on_finally=lambda: self.button.setEnabled(True)))

    def finish_paste(self) -> None:
        pending, pasted, ctx = self._pending, self.paste.text(), self.w.ctx
        if pending is None or not pasted.strip():
            return
        self._pending = None
        self.finish_button.setEnabled(False)
        self.paste.clear()  # it carries a one-time code
        self._run("Connecting QuickBooks", lambda _t: connections.finish_qbo_paste(ctx, pending, pasted))


class AccountsPage(_TaskPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Map accounts")
        self.setSubTitle("Pick the QuickBooks account each kind of money posts to. Trust money needs its own "
                         "bank account and a trust liability account for each Clio trust account.")
        self.layout_ = QVBoxLayout(self)
        self.status = QLabel("Reading the chart of accounts…")
        self.layout_.addWidget(self.status)
        self.form = QFormLayout()
        self.operating = QComboBox()
        self.deposit = QComboBox()
        self.receivable = QComboBox()
        self.operating.setToolTip("Where operating payments are banked")
        self.deposit.setToolTip("Client payments land here first: Undeposited Funds, or the operating bank")
        self.form.addRow("Operating bank:", self.operating)
        self.form.addRow("Client payments to:", self.deposit)
        self.form.addRow("Accounts receivable:", self.receivable)
        self.layout_.addLayout(self.form)
        self.trust_box = QGroupBox("Trust accounts")
        self.trust_form = QFormLayout(self.trust_box)
        self.layout_.addWidget(self.trust_box)
        self.create_button = QPushButton("Create missing trust accounts in QuickBooks")
        self.create_button.setToolTip("Creates a Bank (Trust account) and an Other Current Liability (Trust "
                                      "accounts - liabilities) account for each unmapped Clio trust account")
        self.create_button.clicked.connect(self.create_missing)
        self.layout_.addWidget(self.create_button)
        self.layout_.addStretch(1)
        self.trust_combos: dict[int, tuple[QComboBox, QComboBox]] = {}
        self.loaded = False

    def initializePage(self) -> None:
        if not self.loaded:
            self.w.load_chart(self._fill)

    def _fill(self, data: ChartData) -> None:
        m = data.suggested
        _fill_accounts(self.operating, data.accounts, ("Bank",), m.operating_bank)
        _fill_accounts(self.deposit, data.accounts, ("Other Current Asset", "Bank"), m.deposit_account)
        _fill_accounts(self.receivable, data.accounts, ("Accounts Receivable",), m.accounts_receivable)
        while self.trust_form.rowCount():
            self.trust_form.removeRow(0)
        self.trust_combos.clear()
        for ba in data.clio_banks:
            if str(ba.type) != "Trust":
                continue
            bank, liab = QComboBox(), QComboBox()
            t = m.trust_for(ba.id)
            _fill_accounts(bank, data.accounts, ("Bank",), t.bank if t else "")
            _fill_accounts(liab, data.accounts, ("Other Current Liability",), t.liability if t else "")
            self.trust_form.addRow(f"{ba.name} — bank:", bank)
            self.trust_form.addRow(f"{ba.name} — liability:", liab)
            self.trust_combos[ba.id] = (bank, liab)
        self.loaded = True
        self.status.setText(f"{len(data.accounts)} QuickBooks accounts read.")
        self.completeChanged.emit()

    def create_missing(self) -> None:
        chart = self.w.chart
        if chart is None:  # the chart of accounts is not read yet (the button waits for it)
            return
        missing = [(cid, ba.name) for cid, (b, li) in self.trust_combos.items()
                   for ba in chart.clio_banks if ba.id == cid and (not b.currentData() or not li.currentData())]
        if not missing:
            self.status.setText("Every trust account is mapped; nothing to create.")
            return
        ctx = self.w.ctx

        def made(rows: list[tuple[int, dict, dict]]) -> None:
            for cid, bank, liab in rows:
                chart.accounts += [bank, liab]
                b, li = self.trust_combos[cid]
                for box, acct in ((b, bank), (li, liab)):
                    box.addItem(_account_label(acct), str(acct["Id"]))
                    box.setCurrentIndex(box.count() - 1)
            self.status.setText(f"Created {2 * len(rows)} trust accounts in QuickBooks.")

        self.create_button.setEnabled(False)
        self.w.tasks.run(Op("Creating trust accounts", lambda _t: create_trust_accounts(ctx, missing),
                            lane=Lane.POOL, on_success=made, on_finally=lambda: self.create_button.setEnabled(True)))

    def isComplete(self) -> bool:
        return self.loaded


#: The first choice of each practice area's picker: no item of its own, the fees item is used.
USE_FEES_ITEM = "Use the fees item"


class ItemsPage(_TaskPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Pick items")
        self.setSubTitle("Invoice lines post to QuickBooks items: one for legal fees and one for reimbursable "
                         "expenses. Fees of a practice area can go to an item of their own.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fees = QComboBox()
        self.expenses = QComboBox()
        self.fees.setToolTip("The service item for time entries and flat fees")
        self.expenses.setToolTip("The item for expenses billed to the client")
        form.addRow("Legal fees:", self.fees)
        form.addRow("Expenses:", self.expenses)
        layout.addLayout(form)
        self.areas_box = QGroupBox("Income by practice area (optional)")
        self.areas_box.setToolTip("Firms that split fee income by practice area pick an item (with its own "
                                  "income account) per area; the others leave each on the fees item")
        areas_layout = QVBoxLayout(self.areas_box)
        self.areas_note = QLabel("")
        self.areas_note.setWordWrap(True)
        areas_layout.addWidget(self.areas_note)
        self.areas_form = QFormLayout()
        areas_layout.addLayout(self.areas_form)
        areas_layout.addStretch(1)
        # A long list of areas scrolls instead of stretching the wizard.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.areas_box)
        layout.addWidget(scroll, 1)
        self.area_combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:
        data = self.w.chart
        if data is None:
            return
        _fill_items(self.fees, data.items, data.suggested.fees_item)
        _fill_items(self.expenses, data.items, data.suggested.expense_item)
        chosen = dict(self.practice_area_items()) if self.area_combos else dict(data.suggested.practice_area_items)
        while self.areas_form.rowCount():
            self.areas_form.removeRow(0)
        self.area_combos.clear()
        # The areas on Clio's matters, and any the saved mapping names that no matter uses any more (shown, so
        # that a saved choice never disappears unseen).
        known = {a.casefold() for a in data.practice_areas}
        areas = list(data.practice_areas) + sorted((a for a, _ in data.suggested.practice_area_items
                                                    if a.casefold() not in known), key=str.casefold)
        for area in areas:
            box = QComboBox()
            _fill_items(box, data.items, next((v for k, v in chosen.items() if k.casefold() == area.casefold()), ""),
                        first=USE_FEES_ITEM)
            box.setToolTip(f"The item for fees of matters in '{area}'; '{USE_FEES_ITEM}' posts them like any "
                           "other fees")
            self.areas_form.addRow(f"{area}:", box)
            self.area_combos[area] = box
        self.areas_note.setText(
            f"{len(data.practice_areas)} practice areas on your Clio matters. Leave an area on "
            f"'{USE_FEES_ITEM}' unless its fees should reach a different income account."
            if areas else "No Clio matter names a practice area: every fee posts to the fees item."
        )

    def practice_area_items(self) -> tuple[tuple[str, str], ...]:
        """(practice area, QBO item id) for each area given an item of its own."""
        return tuple((area, box.currentData()) for area, box in self.area_combos.items() if box.currentData())


class CustomersPage(_TaskPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Preview customer matching")
        self.setSubTitle("How each Clio client will meet QuickBooks: linked to an existing customer, a new "
                         "customer, or held for you to decide. Nothing is created yet.")
        layout = QVBoxLayout(self)
        self.model = RowsModel([Column("Clio client"), Column("Email"), Column("Outcome"),
                                Column("QuickBooks customer")], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.counts = QLabel("")
        layout.addWidget(self.counts)
        layout.addWidget(self.view)

    def initializePage(self) -> None:
        data = self.w.chart
        if data is None:
            return
        self.model.set_rows(data.matches)
        outcomes = [m[2] for m in data.matches]
        self.counts.setText(
            f"{outcomes.count('links to existing')} link to existing customers, "
            f"{outcomes.count('new customer')} new, "
            f"{sum('decide' in o for o in outcomes)} for you to decide."
        )


class ConfirmPage(_TaskPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Confirm")
        self.setSubTitle("Check the mapping and the cutover, preview the first sync, then Finish to save them "
                         "(or start the first sync at once).")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.problems = QLabel("")
        self.problems.setObjectName("mappingProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c62828")
        self.preview_button = QPushButton("Preview the first sync")
        self.preview_button.setToolTip("Saves the mapping and the cutover, then shows what the first sync would "
                                       "link, create and hold. Nothing is sent.")
        self.preview = PreviewTable()
        self.preview.hide()
        self.start_button = QPushButton("Start the first sync")
        self.start_button.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.problems)
        layout.addWidget(self.preview_button)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.start_button)
        self.saved = False
        self.preview_button.clicked.connect(self.run_preview)
        self.start_button.clicked.connect(self.start_first_sync)

    def initializePage(self) -> None:
        m = self.w.mapping()
        # Accounts and items are numbered separately in QuickBooks: one name table each.
        accounts = {str(a["Id"]): str(a.get("Name", "")) for a in (self.w.chart.accounts if self.w.chart else [])}
        items = {str(i["Id"]): str(i.get("Name", "")) for i in (self.w.chart.items if self.w.chart else [])}

        def n(x: str, names: dict[str, str] = accounts) -> str:
            return names.get(x, "— not set —") if x else "— not set —"

        lines = [f"Operating bank: <b>{n(m.operating_bank)}</b>", f"Client payments to: <b>{n(m.deposit_account)}</b>",
                 f"Accounts receivable: <b>{n(m.accounts_receivable)}</b>",
                 f"Fees item: <b>{n(m.fees_item, items)}</b>", f"Expenses item: <b>{n(m.expense_item, items)}</b>"]
        for area, item in m.practice_area_items:
            lines.append(f"Fees of '{area}': <b>{n(item, items)}</b>")
        for t in m.trust_accounts:
            lines.append(f"Trust '{t.name}': bank <b>{n(t.bank)}</b>, liability <b>{n(t.liability)}</b>")
        lines.append(self.w.cutover_page.sentence())
        self.summary.setText("<br>".join(lines))
        self.problems.setText("")

    def _save(self, then: Any) -> bool:
        """Save the mapping and the cutover on a worker, then ``then()``; False when the mapping is refused."""
        problems = self.w.problems()
        if problems:
            self.problems.setText("The mapping cannot be saved yet:<br>• " + "<br>• ".join(p.message for p in problems))
            return False
        mapping, ctx = self.w.mapping(), self.w.ctx
        start, open_bills = self.w.cutover_page.chosen()

        def save(_t: Any) -> Any:
            save_cutover(ctx, start, open_bills)
            return save_mapping(ctx, mapping)

        def done(_m: Any) -> None:
            self.w.saved_mapping = mapping
            then()

        self.problems.setText("Saving…")
        self.w.tasks.run(Op("Saving the mapping", save, on_success=done))
        return True

    def validatePage(self) -> bool:
        if self.saved:
            return True

        def close() -> None:
            self.saved = True
            self.w.accept()  # the mapping is on disk: close as Finish would have

        self._save(close)
        return False

    def run_preview(self) -> None:
        from ui.backend import run_sync

        ctx = self.w.ctx

        def shown(summary: Any) -> None:
            self.problems.setText("")
            self.preview_button.setEnabled(True)
            if summary is not None and summary.plan is not None:
                self.preview.show_plan(summary.plan)
                self.preview.show()
                self.start_button.show()

        def failed(exc: BaseException) -> None:
            self.preview_button.setEnabled(True)
            self.problems.setText(f"The preview could not be made: {exc}")

        def previewing() -> None:
            self.problems.setText("Reading Clio and QuickBooks for the preview (nothing is sent)…")
            self.w.tasks.run(Op("Previewing the first sync",
                                lambda t: run_sync(ctx, t, dry_run=True, trigger="setup wizard"), lane=Lane.POOL,
                                on_success=shown, on_failure=failed))

        if self._save(previewing):
            self.preview_button.setEnabled(False)

    def start_first_sync(self) -> None:
        self.saved = True
        self.w.start_first_sync.emit()
        self.w.accept()


class SetupWizard(QWizard):
    finished_ok = Signal()
    start_first_sync = Signal()  # the bookkeeper started the first sync from the preview

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = tasks
        self.chart: ChartData | None = None
        self.saved_mapping: Any = None
        self._waiting: list[Any] = []
        self.setWindowTitle("Ledgerbridge setup")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.resize(720, 560)
        self.intro = SourcePage(ctx, tasks, demo_note="<b>Demo:</b> the sign-in pages are the local sandbox's "
                                                      "and approve at once." if ctx.is_demo else "")
        self.apps_page = DeveloperAppsPage(self)
        self.clio_page = ConnectPage(self, "clio")
        self.qbo_page = QboConnectPage(self)
        self.accounts_page = AccountsPage(self)
        self.items_page = ItemsPage(self)
        self.customers_page = CustomersPage(self)
        self.cutover_page = CutoverPage(ctx)
        self.confirm_page = ConfirmPage(self)
        for p in (self.intro, self.apps_page, self.clio_page, self.qbo_page, self.accounts_page, self.items_page,
                  self.customers_page, self.cutover_page, self.confirm_page):
            self.addPage(p)
        self.accepted.connect(self.finished_ok.emit)

    def load_chart(self, then: Any) -> None:
        if self.chart is not None:
            then(self.chart)
            return
        self._waiting.append(then)
        if len(self._waiting) > 1:
            return
        ctx = self.ctx

        def loaded(data: ChartData) -> None:
            self.chart = data
            waiting, self._waiting = self._waiting, []
            for fn in waiting:
                fn(data)

        def failed(exc: BaseException) -> None:
            self._waiting = []
            self.accounts_page.status.setText(f"<span style='color:#c62828'>{exc}</span>")
            self.tasks.report_error("Reading the chart of accounts", exc)

        self.tasks.run(Op("Reading the chart of accounts", lambda _t: load_chart(ctx), lane=Lane.POOL,
                          on_success=loaded, on_failure=failed))

    def mapping(self) -> Any:
        """The mapping as picked on the pages (starting from the saved or suggested one)."""
        from app.mapping import TrustAccountMap

        base = self.chart.suggested if self.chart else None
        if base is None:
            from app.mapping import Mapping

            base = Mapping()
        a, i = self.accounts_page, self.items_page
        trust = tuple(
            TrustAccountMap(cid, b.currentData() or "", li.currentData() or "",
                            next((ba.name for ba in self.chart.clio_banks if ba.id == cid), "") if self.chart else "")
            for cid, (b, li) in a.trust_combos.items()
        )
        income = {str(it["Id"]): str((it.get("IncomeAccountRef") or {}).get("value", ""))
                  for it in (self.chart.items if self.chart else [])}
        fees, expenses = i.fees.currentData() or "", i.expenses.currentData() or ""
        # Until the items page was shown, the saved (or suggested) per-area items stand.
        areas = i.practice_area_items() if i.area_combos else base.practice_area_items
        return replace(
            base,
            operating_bank=a.operating.currentData() or "",
            deposit_account=a.deposit.currentData() or "",
            accounts_receivable=a.receivable.currentData() or "",
            fees_item=fees,
            expense_item=expenses,
            fees_income_account=income.get(fees, ""),
            expense_income_account=income.get(expenses, ""),
            trust_accounts=trust,
            practice_area_items=areas,
        )

    def problems(self) -> list[Any]:
        from app.mapping import validate

        if self.chart is None:
            from app.mapping import MappingProblem

            return [MappingProblem("chart", "The QuickBooks chart of accounts has not been read yet.")]
        return validate(self.mapping(), self.chart.accounts, self.chart.items,
                        clio_bank_accounts=self.chart.clio_banks)


def _account_label(a: dict[str, Any]) -> str:
    sub = a.get("AccountSubType") or ""
    return f"{a.get('Name', '')}  ({a.get('AccountType', '')}{' · ' + sub if sub else ''})"


def _fill_accounts(box: QComboBox, accounts: list[dict[str, Any]], types: tuple[str, ...], current: str) -> None:
    box.clear()
    box.addItem("— choose —", "")
    for a in accounts:
        if a.get("AccountType") in types and a.get("Active", True) not in (False, "false"):
            box.addItem(_account_label(a), str(a["Id"]))
    box.setCurrentIndex(max(0, box.findData(current)))


def _fill_items(box: QComboBox, items: list[dict[str, Any]], current: str, *, first: str = "— choose —") -> None:
    box.clear()
    box.addItem(first, "")
    for it in items:
        if it.get("Active", True) not in (False, "false"):
            box.addItem(f"{it.get('Name', '')}  ({it.get('Type', '')})", str(it["Id"]))
    box.setCurrentIndex(max(0, box.findData(current)))

