"""OAuth 2.0 for Clio and QuickBooks, and the keychain that holds the secrets."""
