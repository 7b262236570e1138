"""Freezer monitoring in the desktop app: dashboard dock, alarm list, notifications, app-side polling."""

from ui.freezer.dock import FreezerDock, install_freezers

__all__ = ["FreezerDock", "install_freezers"]
