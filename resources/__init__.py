"""The app's icons and style sheet, as package data so a normal (non-editable) install ships them.

No code lives here: ``ui.theme.resources_dir`` finds this folder through this package. The PyInstaller
bundle copies the folder as data instead (``build.spec``).
"""
