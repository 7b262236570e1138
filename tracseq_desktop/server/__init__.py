"""The central TracSeq server: accounts, intents pushed by workstations, the ordered change feed."""
