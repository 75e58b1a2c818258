"""The sync engine: pull -> plan -> validate -> push -> link/audit -> verify."""
