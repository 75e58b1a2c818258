"""Local emulators of the Clio Manage v4 and QuickBooks Online v3 APIs, and the demo-firm generator.

They are real HTTP servers on 127.0.0.1 (Starlette under uvicorn in a background thread). The app's demo
mode and the tests talk to them through the real clients.
"""
