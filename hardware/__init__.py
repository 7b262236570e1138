"""Device adapters and their simulators: serial freezers, cameras, barcode decoders.

Imports core domain types; never ``ui`` or Qt.
"""
