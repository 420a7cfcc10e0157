"""The embedded engine: PJSUA2 SIP user agents in worker processes, no PBX needed.

`pjsua2` is imported only inside this package.
"""
