"""Thin adapters: one module per framework, each only wiring the framework-agnostic core."""
