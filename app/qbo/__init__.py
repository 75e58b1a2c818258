"""QuickBooks Online v3: client on python-quickbooks with retries, pacing and typed errors."""
