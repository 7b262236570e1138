"""Camera scanning in the window: the live camera panel and the whole-box scan dialog."""
