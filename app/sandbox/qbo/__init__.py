"""The QuickBooks Online v3 emulator's parts: wire formats, the company books, queries and OAuth.

``app.sandbox.qbo.emulator`` assembles them into the HTTP app; ``app.sandbox.qbo.company`` seeds a
small law firm's chart of accounts.
"""
