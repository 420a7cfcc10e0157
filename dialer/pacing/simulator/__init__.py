"""A discrete-event call-center simulator for pacing controllers: pure Python, deterministic by seed."""
