"""`tierdial asterisk ...`: the configuration a site's own Asterisk needs, and a sandbox Asterisk to try it on."""

from __future__ import annotations

import argparse
from pathlib import Path

from tierdial.config import load_config
from tierdial.errors import UserError
from tierdial.private_files import private_dir, write_private


def _config(args: argparse.Namespace) -> int:
    from dialer.telephony.asterisk.confgen import asterisk_files

    config = load_config(args.config)
    if not config.asterisk.ami_secret:
        raise UserError("asterisk.ami_secret is empty: set it first, or the generated AMI user has no secret")
    if not config.trunks:
        raise UserError("config.yaml has no trunks: the generated pjsip.conf would have nothing to call out through")
    out = Path(args.out)
    files = asterisk_files(config)
    clashes = [name for name in files if (out / name).exists()]
    if clashes and not args.force:
        raise UserError(f"{out} already has {', '.join(clashes)}: nothing written (--force replaces them)")
    private_dir(out)
    for name, text in files.items():
        # Owner only before a secret is written: the files hold the AMI, trunk and agents' secrets.
        write_private(out / name, text)
    print(f"wrote {', '.join(files)} to {out}, readable by their owner only: install them for Asterisk's user")
    missing = [agent.name for agent in config.agents if not agent.sip_secret]
    if missing:
        print(f"no endpoint for {', '.join(missing)}: give them a sip_secret in config.yaml for their phones")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from dialer.telephony.asterisk.sandbox import main

    main(args.config)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    asterisk = commands.add_parser("asterisk", help="the Asterisk engine's configuration, and a sandbox Asterisk")
    actions = asterisk.add_subparsers(dest="action", required=True)
    config = actions.add_parser(
        "config", help="write manager.conf, pjsip.conf and extensions.conf for this configuration"
    )
    config.add_argument("--out", required=True, help="folder to write them to (e.g. a copy of /etc/asterisk)")
    config.add_argument("--force", action="store_true", help="replace files of the same names")
    config.set_defaults(run=_config)
    sandbox = actions.add_parser(
        "sandbox", help="start a sandbox Asterisk configured from this configuration on free loopback ports"
    )
    sandbox.set_defaults(run=_sandbox)
