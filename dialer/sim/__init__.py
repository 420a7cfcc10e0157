"""Simulated callees and agents: real SIP endpoints on loopback, for tests and the demo."""
