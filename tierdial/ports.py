"""Free loopback ports, picked when needed: nothing assumes a fixed port is free on a shared machine."""

from __future__ import annotations

import random
import socket


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 free now (TCP by default, `socket.SOCK_DGRAM` for UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)


def free_udp_range(count: int) -> int:
    """The first of `count` consecutive UDP ports that are all free now (for a media port range)."""
    rng = random.Random()
    for _ in range(200):
        start = rng.randrange(20000, 60000 - count, 2)
        sockets = []
        try:
            for port in range(start, start + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free UDP ports found")
