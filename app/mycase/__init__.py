"""MyCase as a source (begun: the published facts, the client, the emulator; not yet wired into the sync)."""
