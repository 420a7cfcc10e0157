"""Caller numbers the organisation owns: assignment, reputation, quarantine. Never rotation."""
