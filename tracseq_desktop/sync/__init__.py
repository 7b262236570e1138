"""Offline-first synchronisation with the central server: wire format, clock, outbox, client, engine."""
