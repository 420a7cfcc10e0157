"""`tierdial asr ...`: run the ASR service, transcribe a recording."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
from pathlib import Path

from pydantic import ValidationError

from tierdial.config import Asr as AsrConfig
from tierdial.config import Config, load_config
from tierdial.errors import UserError

log = logging.getLogger(__name__)
MAX_RECOGNIZERS = 200


def config_with_languages(config: Config, languages: str) -> Config:
    """`config` hearing `languages` (comma-separated) besides asr.language, validated as the file's would be."""
    named = [language.strip() for language in languages.split(",") if language.strip()]
    try:
        asr = AsrConfig.model_validate(config.asr.model_dump() | {"languages": named})
    except ValidationError as exc:
        raise UserError(f"--languages {languages!r}: {exc.errors()[0]['msg']}") from None
    return config.model_copy(update={"asr": asr})


def _serve(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.recognizers is not None and not 1 <= args.recognizers <= MAX_RECOGNIZERS:
        raise UserError(f"--recognizers must be 1-{MAX_RECOGNIZERS}")
    if args.languages is not None:
        config = config_with_languages(config, args.languages)
    # Before the recognisers' libraries start their thread pools: a thread takes the niceness of the one starting it.
    niceness = os.nice(config.asr.nice)
    log.info("transcription runs at niceness %d, below the calls' audio and the console", niceness)
    # Imported here, not at the top: every `tierdial` command would wait for the recognisers' libraries.
    from asr.engine import AsrEngine
    from asr.service import AsrServer, default_max_connections

    engine = AsrEngine.from_config(config.asr, warm_recognizers=args.recognizers)
    engine.warm_up()
    port = config.asr.port if args.port is None else args.port
    recognizers = config.asr.threads if args.recognizers is None else args.recognizers
    cap = config.asr.max_connections or default_max_connections(recognizers)
    server = AsrServer(engine, config.asr.host, port, max_connections=cap)
    try:
        signal.signal(signal.SIGTERM, _stop)
        thread = server.serve_in_thread()
        print(f"asr service listening on {config.asr.host}:{server.port}", flush=True)
        thread.join()
    except (KeyboardInterrupt, _Stop):
        pass
    # Out of the signal handler: shutdown() takes the locks of a threading.Event, and a handler that ran while this
    # thread held them (a second SIGTERM arriving during the first's shutdown) hung the service for good.
    server.shutdown()
    server.server_close()
    return 0


class _Stop(Exception):
    """SIGTERM: stop serving."""


def _stop(_signum: int, _frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough: a second one must not interrupt the shutdown
    raise _Stop


def _transcribe(args: argparse.Namespace) -> int:
    from asr.audio import read_wav
    from asr.engine import AsrEngine

    config = load_config(args.config)
    recording = read_wav(Path(args.file))
    finals = AsrEngine.from_config(config.asr, warm_recognizers=1).transcribe(recording)
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in finals], ensure_ascii=False))
    else:
        for r in finals:
            print(f"[{r.start_ms / 1000:6.2f}-{r.end_ms / 1000:6.2f}] {r.text}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    asr = commands.add_parser("asr", help="speech recognition")
    actions = asr.add_subparsers(dest="action", required=True)
    serve = actions.add_parser("serve", help="run the ASR service (AudioSocket framing over TCP)")
    serve.add_argument("--port", type=int, help="TCP port (0: any free port; default: asr.port)")
    serve.add_argument(
        "--recognizers", type=int, help="recognisers to warm up at start, one per call expected (default: asr.threads)"
    )
    serve.add_argument(
        "--languages",
        help="comma-separated further languages to hear, e.g. en,zh (default: asr.languages); a station passes its own",
    )
    serve.set_defaults(run=_serve)
    transcribe = actions.add_parser("transcribe", help="transcribe a mono 16-bit WAV (8 or 16 kHz)")
    transcribe.add_argument("file")
    transcribe.add_argument("--json", action="store_true")
    transcribe.set_defaults(run=_transcribe)
