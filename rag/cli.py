"""`python -m rag …` — ingest, retrieve, ask, doctor, bench."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag.errors import InvalidInputError, RagError
from rag.logs import configure as configure_logging
from rag.settings import PROJECT_ROOT, Settings, load_settings
from rag.text.normalize import clean_input


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from rag.index.ingest import ingest_paths

    paths = [Path(p) for p in args.paths] or None
    report = ingest_paths(settings, paths, prune=not args.keep_missing, rebuild=args.rebuild,
                          progress=not args.quiet and sys.stderr.isatty())
    for src, why in report.skipped:
        print(f"skipped: {src}: {why}", file=sys.stderr)
    for copy in report.copies:
        print(f"skipped copy: {copy.describe()}", file=sys.stderr)
    print(f"ingest: {report.summary()}")
    return 0


def cmd_retrieve(settings: Settings, args: argparse.Namespace) -> int:
    from rag.search.retriever import Retriever

    hits = Retriever(settings).search(args.query, args.k)
    if args.json:
        _print_json({"query": args.query, "results": [h.as_json() for h in hits]})
        return 0
    for h in hits:
        where = " › ".join(x for x in (h.title, h.section) if x)
        print(f"[{h.rank}] {h.score:.3f}  {h.source}  {h.date or ''}\n    {where}\n    {h.text[:300]}\n")
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from rag.answer.assistant import Assistant
    from rag.answer.conversation import load_history

    history = load_history(Path(args.history)) if args.history else []
    reply = Assistant(settings).ask(args.question, history)
    if args.json:
        _print_json(reply.as_json())
    else:
        print(reply.render_text())
    return 2 if reply.reason == "invalid_input" else 0


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from rag.doctor import doctor

    report = doctor(settings)
    if args.json:
        _print_json(report)
    else:
        for key, value in report.items():
            if key != "down":
                print(f"{key:>12}: {value}")
        print(f"{'status':>12}: " + (f"down ({', '.join(report['down'])})" if report["down"] else "ok"))
    # Non-zero when a configured part does not answer, so the command can serve as a health check.
    return 1 if report["down"] else 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.what == "retrieval":
        from rag.bench.pipeline import bench_retrieval

        if not args.dataset:
            raise InvalidInputError("--dataset FILE is required for `bench retrieval`.")
        _print_json(bench_retrieval(settings, Path(args.dataset), args.limit))
        return 0
    if args.what == "scale":
        from rag.bench.scale import bench_scale

        multiples = [int(x) for x in args.sizes.split(",") if x.strip()]
        shared = Path(args.shared) if args.shared else PROJECT_ROOT.parent / "shared"
        _print_json(bench_scale(settings, multiples, shared))
        return 0
    if args.what == "ingest":
        from rag.bench.pipeline import bench_ingest

        _print_json(bench_ingest(settings, [Path(p) for p in args.paths] or [settings.paths.seeds_dir]))
        return 0
    from rag.bench.pipeline import bench_answers

    _print_json(bench_answers(settings, Path(args.dataset) if args.dataset else None, args.limit))
    return 0


def cmd_fit(settings: Settings, args: argparse.Namespace) -> int:
    from rag.search.fit import collect, fit, report
    from rag.search.retriever import FEATURES, Retriever

    sets = {}
    for spec in args.set or [str(PROJECT_ROOT / "eval" / "datasets" / "law_bhyt.jsonl")]:
        path, _, data_dir = spec.partition("=")
        s = settings.model_copy(deep=True)
        if data_dir:
            s.paths.data_dir = Path(data_dir)
        if not Path(path).is_file():
            raise InvalidInputError(f"--set {spec}: {path} is not a JSONL file of questions with legal_basis.")
        print(f"collecting {path}", file=sys.stderr)
        sets[Path(path).parent.name + "/" + Path(path).name] = collect(s, Path(path))
    defaults = Retriever(settings).weights()
    fitted = tuple(f.strip() for f in args.features.split(",") if f.strip())
    out = report(sets, defaults, args.c, fitted)
    weights = fit([it for items in sets.values() for it in items], defaults, args.c, fitted)
    out["weights"] = {f: round(float(w), 4) for f, w in zip(FEATURES, weights, strict=True)}
    if args.out:
        Path(args.out).write_text(json.dumps({"features": list(FEATURES), "weights": [float(w) for w in weights],
                                              "fitted_on": list(sets), "c": args.c,
                                              "fitted": list(fitted), "report": out},
                                             ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _print_json(out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag", description="Vietnamese health-policy QA over your documents.")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ingest", help="index documents (default: seeds/)")
    s.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .pdf .docx)")
    s.add_argument("--keep-missing", action="store_true",
                   help="keep chunks of files that disappeared (default: remove them)")
    s.add_argument("--rebuild", action="store_true", help="drop the index and index everything again")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s = sub.add_parser("retrieve", help="show the passages a question retrieves")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=None, help="number of results")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("ask", help="answer a question with citations")
    s.add_argument("question")
    s.add_argument("--json", action="store_true")
    s.add_argument("--history", help="JSON file: [{\"role\": \"user\"|\"assistant\", \"content\": ...}]")
    s = sub.add_parser("doctor", help="show the active embedder, index and answer provider")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("bench", help="benchmarks that print figures")
    s.add_argument("what", choices=["retrieval", "answers", "ingest", "scale"])
    s.add_argument("paths", nargs="*", help="ingest: files or folders (default seeds/)")
    s.add_argument("--dataset", help="CSV or JSONL with question and context columns")
    s.add_argument("--limit", type=int, default=None)
    s.add_argument("--sizes", default="1,10,50", help="scale: multiples of the seeds to index (1 = seeds alone)")
    s.add_argument("--shared", help="scale: the shared folder with bench/ and corpus/ (default ../shared)")
    s = sub.add_parser("fit", help="learn the ranking weights from questions with gold articles; report folds")
    s.add_argument("--set", action="append", metavar="QUESTIONS[=DATA_DIR]",
                   help="JSONL of questions with legal_basis, and the data dir of the index holding their documents "
                        "(default: eval/datasets/law_bhyt.jsonl on this index); repeatable")
    s.add_argument("--out", help="write the fitted weights here (JSON), for HOIDAP_RETRIEVE__RANKER_FILE")
    s.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the logistic regression")
    s.add_argument("--features", default="dense,keyword,not_in_force,heading",
                   help="the features whose weights are learned; the others keep the settings' weights (without "
                        "dense and keyword, the settings' ranking is kept and only what these add is learned)")
    return p


COMMANDS = {"ingest": cmd_ingest, "retrieve": cmd_retrieve, "ask": cmd_ask, "doctor": cmd_doctor,
            "bench": cmd_bench, "fit": cmd_fit}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.paths.data_dir / "logs")
        if args.cmd == "retrieve":
            from rag.search.retriever import validate_query

            args.query = clean_input(args.query)
            validate_query(args.query, settings.retrieve.max_query_chars)
        return COMMANDS[args.cmd](settings, args)
    except InvalidInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
