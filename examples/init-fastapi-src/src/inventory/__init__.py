"""Inventory service (src layout)."""
