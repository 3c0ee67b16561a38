"""`python -m app [--host H] [--port P]` starts the server; `python -m app export-feedback` exports 👎 items."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.logs import configure as configure_logging
from rag.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app", description="Chat page, widget and JSON API.")
    p.add_argument("command", nargs="?", default="serve", choices=["serve", "export-feedback", "bench"])
    p.add_argument("--host", help="bind address (default from settings: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from settings: 7860)")
    p.add_argument("--out", default="feedback-cases.jsonl", help="export-feedback: output JSONL file")
    p.add_argument("--url", help="bench: a running server (default: start one on a free loopback port)")
    p.add_argument("-n", type=int, default=100, help="bench: questions per concurrency level (at least 2x the level)")
    p.add_argument("--concurrency", default="1,10,50,100",
                   help="bench: comma-separated levels of questions in flight at once")
    p.add_argument("--health", action="store_true", help="bench: GET /api/health -n times instead (latency)")
    p.add_argument("--page", action="store_true",
                   help="bench: load the largest legal document's page (/van-ban/{id}) -n times instead (latency)")
    p.add_argument("--first-start", type=Path, metavar="DIR",
                   help="bench: start a real server on a fresh data dir with DIR as seeds; answers over HTTP for "
                        "--seconds after its first index, then after a restart")
    p.add_argument("--seconds", type=float, default=180, help="bench --first-start: seconds of questions each time")
    p.add_argument("--questions", type=Path, help="bench --first-start: JSONL with a 'question' per line "
                                                  "(default eval/datasets/golden.jsonl)")
    args = p.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.paths.data_dir / "logs")
    if args.command == "export-feedback":
        from app.stores import Stores

        n = Stores(settings).feedback.export_negative(Path(args.out))
        print(f"exported {n} 👎 items to {args.out}")
        return 0
    if args.command == "bench" and args.first_start:
        import json

        from app.bench_restart import bench_first_start

        if not args.first_start.is_dir():
            print(f"error: --first-start {args.first_start} is not a folder of documents", file=sys.stderr)
            return 2
        print(json.dumps(bench_first_start(settings, args.first_start.resolve(), args.seconds, args.questions),
                         indent=2))
        return 0
    if args.command == "bench":
        import json

        from app.bench import bench

        try:
            levels = [int(x) for x in str(args.concurrency).split(",") if x.strip()]
        except ValueError:
            print("error: --concurrency takes numbers separated by commas, e.g. 1,10,50,100", file=sys.stderr)
            return 2
        if not args.url:
            settings.server.ip_rate_per_minute = max(settings.server.ip_rate_per_minute, args.n * 10)
        print(json.dumps(bench(settings, args.url, args.n, levels, args.health, args.page), indent=2))
        return 0
    import threading

    import uvicorn

    from app.boot import Booting
    from rag.answer.prompts import Prompts

    host = args.host or settings.server.host
    port = args.port or settings.server.port
    # Bind first: everything heavy (Gradio, the models, the index check) is loaded behind the open port.
    prompts = Prompts(settings.paths.prompts_dir)
    booting = Booting(prompts.render("indexing", done=0, total="?"), prompts, settings.server.max_body_bytes)
    server = uvicorn.Server(uvicorn.Config(booting, host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=int(settings.server.shutdown_seconds) or None))

    def build() -> object:
        from app.server import create_app

        return create_app(settings)

    def failed(exc: Exception) -> None:
        print(f"error: {exc}", file=sys.stderr)
        server.should_exit = True

    threading.Thread(target=booting.load, args=(build, failed), name="load-app", daemon=True).start()
    print(f"hoidap-yte: http://{host}:{port}/  (widget demo: http://{host}:{port}/demo)")
    server.run()
    if booting.failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
