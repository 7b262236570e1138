"""Sync in the window: the background worker, the status-bar field, sign-in, the conflict inbox.

The window calls :func:`ui.sync.dock.install_sync` once; this package keeps the imports
light (the status bar imports :mod:`ui.sync.text`).
"""
