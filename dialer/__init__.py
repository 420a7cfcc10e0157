"""Campaigns, contacts, the hopper, retry rules, pacing, calls and the telephony engines."""
