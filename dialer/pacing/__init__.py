"""Predictive pacing: how many new dials to place now.

One controller interface serves the simulator and the live dialer.
"""
