"""A sandbox Asterisk on this machine: Debian sid's Asterisk 22 in a chroot built by
`scripts/asterisk_root.sh`, one instance per use, on free loopback ports.

Each instance gets its own folder in the root (configuration, run, log, spool, astdb),
starting from Debian's default /etc/asterisk with tierdial's files laid over it (an
almost empty configuration folder makes app_amd and app_queue refuse to load). Only the
Asterisk this object started is ever stopped.

    tierdial asterisk sandbox   # start one and print its ports; Ctrl-C stops it
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dialer.telephony.asterisk.confgen import asterisk_files
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.ports import free_port, free_udp_port, free_udp_range

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = REPO / "scripts" / "asterisk_root.sh"
READY_MARK = ".tierdial-ready"
# Modules that open fixed well-known ports, need hardware or only bring samples; none of them is used, and two
# sandboxes must coexist.
NOT_LOADED = (
    "chan_iax2", "chan_mgcp", "chan_skinny", "chan_unistim", "chan_ooh323", "pbx_dundi", "chan_dahdi",
    "res_phoneprov", "chan_motif", "res_xmpp", "res_pjsip_phoneprov_provider", "chan_mobile", "cdr_radius",
    "cel_radius", "res_hep", "res_hep_pjsip", "res_hep_rtcp", "res_snmp", "res_prometheus", "res_statsd",
    "chan_console", "chan_alsa", "chan_oss", "res_calendar", "res_corosync", "res_smdi", "res_stun_monitor",
    "pbx_ael", "pbx_lua",  # Debian's sample dialplans in AEL and Lua (with DUNDi lookups); tierdial's is plain
)  # fmt: skip


def default_root() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "tierdial" / "asterisk-root"


def _as_root(command: list[str]) -> list[str]:
    return command if os.geteuid() == 0 else ["sudo", "-n", *command]


def ensure_root(root: Path | None = None) -> Path:
    """The sandbox root, built first if it is missing (about a minute, once)."""
    root = root or default_root()
    if not (root / READY_MARK).exists():
        result = subprocess.run(["bash", str(BUILD_SCRIPT), str(root)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise UserError(f"could not build the sandbox Asterisk in {root}:\n{result.stderr[-2000:]}")
    return root


@dataclass
class SandboxPorts:
    ami: int
    sip: int
    rtp_start: int
    rtp_end: int


@dataclass
class AsteriskSandbox:
    """One Asterisk, started with `start()` and stopped with `stop()` (or used as a context manager).

    `files` are configuration files laid over Debian's defaults, name -> text.
    """

    root: Path
    ports: SandboxPorts
    files: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    home: Path = field(init=False)

    def __post_init__(self) -> None:
        (self.root / "srv" / "tierdial").mkdir(parents=True, exist_ok=True)
        self.home = Path(tempfile.mkdtemp(prefix="asterisk-", dir=self.root / "srv" / "tierdial"))

    def outside(self, inside: str | Path) -> Path:
        """Where a path Asterisk sees (inside the chroot) is on this machine."""
        return self.root / Path(inside).relative_to("/")

    @property
    def inside(self) -> Path:
        """The instance folder as Asterisk sees it, from inside the chroot."""
        return Path("/") / self.home.relative_to(self.root)

    def start(self, timeout: float = 30) -> AsteriskSandbox:
        self._lay_out()
        # -p: real-time priority, as a production Asterisk runs (highpriority), so a busy machine delays no audio.
        command = _as_root(["chroot", str(self.root), "/usr/sbin/asterisk", "-f", "-n", "-p", "-C", self._conf()])
        log_file = (self.home / "console.log").open("wb")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk exited at start:\n{self.console_log()[-3000:]}")
            if "fully booted" in self.cli("core waitfullybooted", timeout=5).lower():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Asterisk did not finish booting in {timeout:.0f} s:\n{self.console_log()[-3000:]}")

    def cli(self, command: str, timeout: float = 10) -> str:
        """Run one CLI command through this instance's control socket."""
        args = _as_root(["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self._conf(), "-rx", command])
        try:
            result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return ""
        return result.stdout

    def console_log(self) -> str:
        path = self.home / "console.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> AsteriskSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _conf(self) -> str:
        return str(self.inside / "asterisk.conf")

    def _lay_out(self) -> None:
        etc = self.home / "etc"
        shutil.copytree(self.root / "etc" / "asterisk", etc, symlinks=True)
        for sub in ("run", "log", "spool", "lib", "cache"):
            (self.home / sub).mkdir()
        inside = self.inside
        (self.home / "asterisk.conf").write_text(
            "[directories]\n"
            f"astetcdir => {inside}/etc\n"
            "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules\n"
            f"astvarlibdir => /var/lib/asterisk\nastdbdir => {inside}/lib\nastkeydir => /var/lib/asterisk\n"
            "astdatadir => /usr/share/asterisk\nastagidir => /usr/share/asterisk/agi-bin\n"
            f"astspooldir => {inside}/spool\nastrundir => {inside}/run\nastlogdir => {inside}/log\n"
            f"astcachedir => {inside}/cache\nastsbindir => /usr/sbin\n"
            "[options]\nverbose = 3\ndebug = 0\n"
        )
        noload = "".join(f"noload => {name}.so\n" for name in NOT_LOADED)
        layered = {
            "modules.conf": f"[modules]\nautoload = yes\n{noload}",
            "rtp.conf": f"[general]\nrtpstart = {self.ports.rtp_start}\nrtpend = {self.ports.rtp_end}\n",
            "http.conf": "[general]\nenabled = no\n",
            "users.conf": "",  # Debian's sample users only add noise
            "logger.conf": "[general]\n[logfiles]\nconsole => notice,warning,error\nmessages.log => notice,warning\n",
            **self.files,
        }
        for name, text in layered.items():
            (etc / name).write_text(text)


MEDIA_PORTS = 200  # RTP ports per sandbox: two per call leg
RECORDINGS = "/srv/tierdial/recordings"  # in the root, kept when a sandbox stops


@contextlib.contextmanager
def sandbox_for(config: Config) -> Iterator[tuple[Config, AsteriskSandbox]]:
    """A sandbox Asterisk configured from `config` (its trunks, agents, detection and recording settings) on
    free loopback ports; yields `config` pointed at it, and the sandbox. Stopped on leaving."""
    ami_port, sip, rtp = free_port(), free_udp_port(), free_udp_range(MEDIA_PORTS)
    root = ensure_root()
    asterisk = config.asterisk.model_copy(
        update={
            "ami_host": "127.0.0.1",
            "ami_port": ami_port,
            "ami_secret": config.asterisk.ami_secret or secrets.token_urlsafe(12),
            "sip_bind": f"127.0.0.1:{sip}",
            "recordings_dir": RECORDINGS,
            "recordings_readable_at": root / RECORDINGS.lstrip("/"),
        }
    )
    sandboxed = config.model_copy(update={"asterisk": asterisk})
    ports = SandboxPorts(ami_port, sip, rtp, rtp + MEDIA_PORTS - 1)
    with AsteriskSandbox(root, ports, asterisk_files(sandboxed)) as sandbox:
        yield sandboxed, sandbox


def main(config_path: str | None = None) -> None:
    """Start a sandbox Asterisk configured from config.yaml on free loopback ports, until Ctrl-C."""
    from tierdial.config import load_config

    with sandbox_for(load_config(config_path)) as (config, sandbox):
        ports, ami = sandbox.ports, config.asterisk
        print(f"Asterisk is up: AMI 127.0.0.1:{ports.ami}, SIP udp 127.0.0.1:{ports.sip}, "
              f"RTP {ports.rtp_start}-{ports.rtp_end}; its files: {sandbox.home}")  # fmt: skip
        print("To use it, put this in config.yaml:\n")
        print(f"engine: asterisk\nasterisk:\n  ami_port: {ami.ami_port}\n  ami_secret: {ami.ami_secret}\n")
        print("Ctrl-C stops it")
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops our Asterisk too
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
