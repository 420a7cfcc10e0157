"""tierdial: a compliance-first outbound dialer with live speech triage.

This package holds the shared plumbing only: configuration, the database session,
the message vocabulary and the event bus. Domain code lives in its own folders.
"""

__version__ = "0.1.0"
