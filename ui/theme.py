"""The application's look: Fusion with a palette whose text meets WCAG 2.1 AA (4.5:1).

Qt's default Fusion selection (white on a mid blue) falls short of 4.5:1, so every
role pair the widgets paint text with is chosen here and checked by the
accessibility test through :func:`text_role_pairs` and :func:`contrast_ratio`.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_R = QPalette.ColorRole
_G = QPalette.ColorGroup

#: (role, colour) for the active and inactive groups.
_LIGHT: dict[QPalette.ColorRole, str] = {
    _R.Window: "#f3f3f3",
    _R.WindowText: "#1b1b1b",
    _R.Base: "#ffffff",
    _R.AlternateBase: "#eef1f5",
    _R.Text: "#1b1b1b",
    _R.PlaceholderText: "#5e5e5e",
    _R.Button: "#e6e6e6",
    _R.ButtonText: "#1b1b1b",
    _R.BrightText: "#ffffff",
    _R.Highlight: "#0b4f8a",
    _R.HighlightedText: "#ffffff",
    _R.ToolTipBase: "#fffbe0",
    _R.ToolTipText: "#1b1b1b",
    _R.Link: "#0a4a8c",
    _R.LinkVisited: "#5b2a86",
    _R.Light: "#ffffff",
    _R.Midlight: "#d8d8d8",
    _R.Mid: "#a0a0a0",
    _R.Dark: "#6e6e6e",
    _R.Shadow: "#3c3c3c",
}
#: Disabled text stays readable (WCAG exempts it, but people still need to read it).
_DISABLED: dict[QPalette.ColorRole, str] = {
    _R.WindowText: "#5f5f5f",
    _R.Text: "#5f5f5f",
    _R.ButtonText: "#5f5f5f",
    _R.Highlight: "#5f5f5f",
    _R.HighlightedText: "#ffffff",
}

#: Foreground/background role pairs text is drawn with (the audit checks each in each group).
TEXT_ROLE_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (_R.WindowText, _R.Window),
    (_R.Text, _R.Base),
    (_R.Text, _R.AlternateBase),
    (_R.PlaceholderText, _R.Base),
    (_R.ButtonText, _R.Button),
    (_R.HighlightedText, _R.Highlight),
    (_R.ToolTipText, _R.ToolTipBase),
    (_R.Link, _R.Base),
    (_R.LinkVisited, _R.Base),
    (_R.BrightText, _R.Highlight),
)


def make_palette() -> QPalette:
    palette = QPalette()
    for group in (_G.Active, _G.Inactive, _G.Disabled):
        for role, colour in _LIGHT.items():
            palette.setColor(group, role, QColor(colour))
    for role, colour in _DISABLED.items():
        palette.setColor(_G.Disabled, role, QColor(colour))
    return palette


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(make_palette())


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance of an opaque sRGB colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """WCAG contrast ratio, from 1 (same colour) to 21 (black on white)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def text_role_pairs(palette: QPalette) -> list[tuple[str, QColor, QColor]]:
    """Every (description, foreground, background) the palette paints text with."""
    pairs = []
    for group in (_G.Active, _G.Inactive, _G.Disabled):
        for fg, bg in TEXT_ROLE_PAIRS:
            if group == _G.Disabled and fg in (_R.Link, _R.LinkVisited, _R.BrightText, _R.PlaceholderText):
                continue
            name = f"{group.name}: {fg.name} on {bg.name}"
            pairs.append((name, palette.color(group, fg), palette.color(group, bg)))
    return pairs
