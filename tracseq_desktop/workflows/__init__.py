"""Workflows: versioned graphs of bench steps, their validation, and guided runs on samples.

``model`` holds the graph, ``serial`` its JSON form, ``validation`` the rules,
``service`` the stored definitions and runs, ``accounts`` the local signing accounts.
Pure Python plus the store; no Qt.
"""
