"""Checks for the accessibility audit: unnamed controls and text contrast below WCAG AA.

Panels written elsewhere (freezer dashboard, camera) can run the same audit on
their widgets: ``unnamed_controls(widget)`` and ``contrast_problems(widget)``.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from ui.theme import contrast_ratio

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
    QTabBar,
)
AA_TEXT = 4.5


def _is_part_of_another_control(widget: QWidget) -> bool:
    """Sub-controls (a combo box's line edit, a table's corner button, a tab bar's scroll arrows)."""
    if isinstance(widget, QHeaderView):
        return True
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, INTERACTIVE):
            return True
        parent = parent.parentWidget()
    return widget.objectName() == "qt_toolbar_ext_button"


def interactive_controls(root: QWidget) -> list[QWidget]:
    widgets = [root, *root.findChildren(QWidget)]
    return [
        w
        for w in widgets
        if isinstance(w, INTERACTIVE) and w.isVisibleTo(root.window()) and not _is_part_of_another_control(w)
    ]


def accessible_name(widget: QWidget) -> str:
    """The name assistive technology hears (explicit name, button text or buddy label).

    A combo box reports its current value as its name when it has none, which names
    nothing: it must carry an explicit accessible name.
    """
    if isinstance(widget, QComboBox):
        return widget.accessibleName().strip()
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is None:
        return widget.accessibleName()
    return interface.text(QAccessible.Text.Name).strip()


def describe_widget(widget: QWidget) -> str:
    path = []
    current: QWidget | None = widget
    while current is not None:
        path.append(type(current).__name__ + (f"#{current.objectName()}" if current.objectName() else ""))
        current = current.parentWidget()
    return " < ".join(path)


def unnamed_controls(root: QWidget) -> list[str]:
    return [describe_widget(w) for w in interactive_controls(root) if not accessible_name(w)]


def _pairs(widget: QWidget) -> list[tuple[str, QPalette.ColorRole, QPalette.ColorRole]]:
    r = QPalette.ColorRole
    pairs = []
    if isinstance(widget, QLabel) and widget.text():
        background = widget.backgroundRole() if widget.autoFillBackground() or widget.styleSheet() else r.Window
        pairs.append(("label", widget.foregroundRole(), background))
    if isinstance(widget, QAbstractButton) and widget.text():
        pairs.append(("button", r.ButtonText, r.Button))
    if isinstance(widget, QLineEdit | QAbstractSpinBox | QComboBox | QTextEdit | QPlainTextEdit):
        pairs.append(("input", r.Text, r.Base))
        pairs.append(("input placeholder", r.PlaceholderText, r.Base))
    if isinstance(widget, QAbstractItemView):
        pairs.append(("item", r.Text, r.Base))
        pairs.append(("alternate row", r.Text, r.AlternateBase))
        pairs.append(("selection", r.HighlightedText, r.Highlight))
    return pairs


def contrast_problems(root: QWidget, minimum: float = AA_TEXT) -> list[str]:
    """Text role pairs each visible widget paints with, in the active and inactive groups, below ``minimum``."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root.window()):
            continue
        palette = widget.palette()
        for what, fg, bg in _pairs(widget):
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                ratio = contrast_ratio(palette.color(group, fg), palette.color(group, bg))
                if ratio < minimum:
                    problems.append(f"{describe_widget(widget)}: {what} {group.name} {fg.name}/{bg.name} {ratio:.2f}")
    return problems
