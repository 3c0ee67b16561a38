"""`python -m eval run [--dataset FILE] [--out DIR] [--baseline report.json] [--limit N]`;
`python -m eval diacritics [--dataset FILE]`; `python -m eval variants [--dataset FILE …] [--out DIR]`."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from rag.errors import RagError
from rag.logs import configure as configure_logging
from rag.settings import PROJECT_ROOT, load_settings

DEFAULT_DATASET = Path(__file__).parent / "datasets" / "golden.jsonl"


def _legal_sets() -> list[Path]:
    """The labelled sets whose questions name their gold article."""
    return [p for p in sorted(DEFAULT_DATASET.parent.glob("*.jsonl")) if '"legal_basis": [{' in p.read_text("utf-8")]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval", description="Evaluation report and release gate.")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="answer every question, score, report, gate")
    r.add_argument("--dataset", default=str(DEFAULT_DATASET),
                   help="golden JSONL, CSV (question, answer, context) or the ALQAC folder")
    r.add_argument("--out", help="report folder (default eval/reports/<timestamp>)")
    r.add_argument("--baseline", help="an earlier report.json to compare with")
    r.add_argument("--limit", type=int, help="first N items only")
    r.add_argument("--thresholds", help="thresholds TOML (default eval/thresholds.toml)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    c = sub.add_parser("calibrate", help="how the refusal and citation-support thresholds separate the golden set")
    c.add_argument("--dataset", default=str(DEFAULT_DATASET))
    d = sub.add_parser("diacritics", help="type a set's questions without diacritics and score their restoration")
    d.add_argument("--dataset", default=str(DEFAULT_DATASET), help="JSONL with a question per line")
    v = sub.add_parser("variants", help="ask the labelled legal questions plain, dated and after a story")
    v.add_argument("--dataset", action="append", help="JSONL with legal_basis (repeatable; default: every set in "
                   "eval/datasets with one)")
    v.add_argument("--out", help="folder for variants.json (default eval/reports/variants-<timestamp>)")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    settings = load_settings()
    configure_logging(settings.paths.data_dir / "logs")
    work_dir = settings.paths.data_dir / "eval"
    if args.cmd == "diacritics":
        from eval.diacritics import diacritics

        print(json.dumps(diacritics(settings, Path(args.dataset)), indent=2))
        return 0
    if args.cmd == "variants":
        from eval.variants import table, variants, write

        paths = [Path(d) for d in args.dataset] if args.dataset else _legal_sets()
        try:
            result = variants(settings, paths, work_dir)
        except (RagError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        out = Path(args.out) if args.out else PROJECT_ROOT / "eval" / "reports" / time.strftime("variants-%Y%m%d-%H%M%S")
        write(result, out)
        print(table(result))
        print(f"report: {out / 'variants.json'}")
        return 0
    if args.cmd == "calibrate":
        from eval.calibrate import calibrate
        from eval.dataset import load as load_dataset

        print(json.dumps(calibrate(settings, load_dataset(Path(args.dataset), work_dir=work_dir)), indent=2))
        return 0
    from eval.dataset import load
    from eval.report import write_all
    from eval.runner import run

    try:
        dataset = load(Path(args.dataset), args.limit, work_dir)
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8")) if args.baseline else None
        outcome = run(settings, dataset, baseline, progress=not args.quiet and sys.stderr.isatty(),
                      thresholds_path=Path(args.thresholds) if args.thresholds else None)
    except (RagError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else PROJECT_ROOT / "eval" / "reports" / time.strftime("%Y%m%d-%H%M%S")
    write_all(outcome.report, out)
    agg = outcome.report["aggregates"]["overall"]
    print(" ".join(f"{k}={v:.3f}" for k, v in agg.items() if v is not None))
    if outcome.report["judge"]["note"]:
        print(outcome.report["judge"]["note"])
    for reg in outcome.regressions:
        print(f"REGRESSION {reg}")
    print(f"report: {out / 'report.html'}")
    if outcome.failures:
        for f in outcome.failures:
            print(f"FAIL {f}")
        return 1
    print("gate: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
