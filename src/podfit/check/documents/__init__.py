"""Parsed inputs. Every parser reads text only: no user code is imported or executed."""
