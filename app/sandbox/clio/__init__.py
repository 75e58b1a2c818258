"""The Clio half of the sandbox: the record books (shared by the demo-firm generator and the emulator),
the JSON wire format, and the trust bank statement writer."""
