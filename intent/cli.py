"""`tierdial intent ...`: train, evaluate and try the classifier."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from intent.corpus import bundled_data_dir, read_jsonl
from tierdial.config import load_config

# The classifier's modules (scikit-learn) are imported by the commands that use them: every `tierdial` command
# would otherwise wait a second or more for them.


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from intent.training import train_from_dir

    config = load_config(args.config)
    out = Path(args.out) if args.out else config.intent_model_path
    folder = Path(args.data) if args.data else bundled_data_dir("corpus")
    with tqdm(total=4, desc="training", unit="step", disable=args.quiet) as bar:

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(0 if bar.n == 0 and step == "reading corpus" else 1)

        model, count = train_from_dir(folder, out, progress)
        bar.update(bar.total - bar.n)
    print(f"trained on {count} utterances from {folder}; model {model.version} saved to {out}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from intent.evaluate import evaluate, format_report
    from intent.independent import format_independent, score_independent
    from intent.store import load_model
    from intent.training import model_for

    config = load_config(args.config)
    examples = None if args.independent else read_jsonl(Path(args.data))
    model = load_model(Path(args.model)) if args.model else model_for(config)
    if examples is None:
        report = score_independent(model)
        print(json.dumps(report, ensure_ascii=False) if args.json else format_independent(report))
        return 0
    report = evaluate(model, examples)
    print(json.dumps(report, ensure_ascii=False) if args.json else format_report(report))
    return 0


def _classify(args: argparse.Namespace) -> int:
    from intent.training import model_for

    model = model_for(load_config(args.config))
    decision = model.classify(args.text)
    if args.json:
        print(json.dumps({"text": args.text, **decision.as_dict()}, ensure_ascii=False))
    else:
        print(f"{decision.tier} ({decision.confidence:.2f}) evidence: {', '.join(decision.evidence) or '-'}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    intent = commands.add_parser("intent", help="the six-tier intent classifier")
    actions = intent.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="train from a folder of .jsonl files")
    train.add_argument("--data", help="folder of .jsonl files (default: the bundled corpus, and only it)")
    train.add_argument("--out", help="where to save the model (default: intent.model_path)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    ev = actions.add_parser("eval", help="score the model on a labelled .jsonl file or on the independent test set")
    source = ev.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help='JSON Lines: {"text": ..., "tier": "A".."F"}')
    source.add_argument(
        "--independent",
        action="store_true",
        help="each language's independent test set (public sources, never trained on), reported apart",
    )
    ev.add_argument("--model", help="model file (default: intent.model_path)")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(run=_eval)

    classify = actions.add_parser("classify", help="classify one utterance")
    classify.add_argument("text")
    classify.add_argument("--json", action="store_true")
    classify.set_defaults(run=_classify)
