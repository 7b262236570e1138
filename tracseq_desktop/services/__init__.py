"""Services: the operations and queries that the UI, the command line and scripts call."""
