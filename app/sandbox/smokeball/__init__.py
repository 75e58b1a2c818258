"""The Smokeball half of the sandbox (issue 20, begun): a strict emulator of the read API Ledgerbridge uses."""
