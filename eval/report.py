"""report.json, report.md and a self-contained report.html (no CDN, no scripts)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from eval.metrics import JUDGE, OFFLINE

_CSS = """
body{font-family:system-ui,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1f2937;padding:0 16px}
h1{margin-bottom:4px}.muted{color:#6b7280;font-size:13px}table{border-collapse:collapse;width:100%;margin:12px 0}
th,td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;font-size:14px;vertical-align:top}
.bar{position:relative;height:14px;background:#f3f4f6;border-radius:7px;width:260px}
.fill{position:absolute;left:0;top:0;bottom:0;border-radius:7px}.ok{background:#10b981}.bad{background:#ef4444}
.na{color:#9ca3af}.mark{position:absolute;top:-3px;bottom:-3px;width:2px;background:#111}
.pass{color:#047857;font-weight:700}.fail{color:#b91c1c;font-weight:700}
details{margin:10px 0;border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px}
blockquote{margin:4px 0;padding:4px 8px;border-left:3px solid #10b981;background:#f9fafb;font-size:13px}
.ctx{font-size:12.5px;color:#374151;white-space:pre-wrap}
"""


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def _names(report: dict[str, Any]) -> tuple[str, ...]:
    return OFFLINE + (JUDGE if report["judge"]["computed"] else ())


def write_all(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    (out / "report.html").write_text(page(report), encoding="utf-8")


def markdown(report: dict[str, Any]) -> str:
    agg = report["aggregates"]
    thr = report["thresholds"].get("overall", {})
    gate = report["gate"]
    lines = [f"# Evaluation report — {report['created']}", "",
             f"Dataset `{report['dataset']['path']}` ({report['dataset']['items']} items, sha256 "
             f"`{report['dataset']['sha256'][:12]}`), provider `{report['provider']}`, commit "
             f"`{(report['git_commit'] or 'unknown')[:10]}`, settings `{report['settings_fingerprint']}`.", "",
             f"**Gate: {'PASSED' if gate['passed'] else 'FAILED'}**", ""]
    lines += [f"- {f}" for f in gate["failures"]]
    if report["judge"]["note"]:
        lines += ["", f"> {report['judge']['note']}"]
    lines += ["", "| metric | value | threshold | status |", "| --- | --- | --- | --- |"]
    for name in _names(report):
        v, t = agg["overall"].get(name), thr.get(name)
        status = "n/a" if v is None else ("ok" if t is None or v >= t else "FAIL")
        lines.append(f"| {name} | {_fmt(v)} | {t if t is not None else ''} | {status} |")
    cats = agg["per_category"]
    lines += ["", "## Per category", "", "| category | n | " + " | ".join(_names(report)) + " |",
              "| --- | --- | " + " | ".join("---" for _ in _names(report)) + " |"]
    for cat, vals in cats.items():
        lines.append(f"| {cat} | {vals['n']} | " + " | ".join(_fmt(vals.get(n)) for n in _names(report)) + " |")
    if report.get("baseline"):
        lines += ["", "## Against the baseline", "", "| metric | before | now | delta |", "| --- | --- | --- | --- |"]
        for name, d in report["baseline"]["deltas"].items():
            flag = " ⚠ regression" if d["regression"] else ""
            lines.append(f"| {name} | {d['before']:.3f} | {d['now']:.3f} | {d['delta']:+.3f}{flag} |")
    lat = report["latency_ms"]
    lines += ["", f"Answer latency p50 {lat['p50']} ms, p95 {lat['p95']} ms; run took {report['seconds']} s.", ""]
    return "\n".join(lines)


def _bar(value: float | None, threshold: float | None) -> str:
    if value is None:
        return '<span class="na">not computed</span>'
    ok = threshold is None or value >= threshold
    mark = f'<div class="mark" style="left:{min(threshold, 1) * 100:.1f}%"></div>' if threshold is not None else ""
    return (f'<div class="bar"><div class="fill {"ok" if ok else "bad"}" style="width:{max(0, min(value, 1)) * 100:.1f}%">'
            f'</div>{mark}</div>')


def worst(rows: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    def badness(r: dict[str, Any]) -> float:
        vals = [v for v in r["scores"].values() if v is not None]
        return sum(vals) / len(vals) if vals else 1.0

    return sorted(rows, key=badness)[:n]


def page(report: dict[str, Any]) -> str:
    e = html.escape
    agg = report["aggregates"]
    thr = report["thresholds"].get("overall", {})
    gate = report["gate"]
    parts = [f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Evaluation report</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>Evaluation report</h1><div class='muted'>{e(report['created'])} · dataset "
             f"{e(report['dataset']['path'])} ({report['dataset']['items']} items) · provider {e(report['provider'])}"
             f" · commit {e((report['git_commit'] or 'unknown')[:10])} · settings {e(report['settings_fingerprint'])}</div>",
             f"<p class='{'pass' if gate['passed'] else 'fail'}'>Gate {'passed' if gate['passed'] else 'FAILED'}</p>"]
    if gate["failures"]:
        parts.append("<ul>" + "".join(f"<li>{e(f)}</li>" for f in gate["failures"]) + "</ul>")
    if report["judge"]["note"]:
        parts.append(f"<p class='muted'>{e(report['judge']['note'])}</p>")
    parts.append("<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>threshold</th><th></th></tr>")
    for name in _names(report):
        v, t = agg["overall"].get(name), thr.get(name)
        parts.append(f"<tr><td>{e(name)}</td><td>{_fmt(v)}</td><td>{'' if t is None else t}</td>"
                     f"<td>{_bar(v, t)}</td></tr>")
    parts.append("</table><h2>Per category</h2><div style='overflow-x:auto'><table><tr><th>category</th><th>n</th>"
                 + "".join(f"<th>{e(n)}</th>" for n in _names(report)) + "</tr>")
    for cat, vals in agg["per_category"].items():
        parts.append(f"<tr><td>{e(cat)}</td><td>{vals['n']}</td>"
                     + "".join(f"<td>{_fmt(vals.get(n))}</td>" for n in _names(report)) + "</tr>")
    parts.append("</table></div>")
    if report.get("baseline"):
        parts.append("<h2>Against the baseline</h2><table><tr><th>metric</th><th>before</th><th>now</th><th>delta</th></tr>")
        for name, d in report["baseline"]["deltas"].items():
            cls = "fail" if d["regression"] else ""
            parts.append(f"<tr><td>{e(name)}</td><td>{d['before']:.3f}</td><td>{d['now']:.3f}</td>"
                         f"<td class='{cls}'>{d['delta']:+.3f}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Ten worst questions</h2>")
    for r in worst(report["rows"]):
        scores = ", ".join(f"{k} {_fmt(v)}" for k, v in r["scores"].items() if v is not None)
        parts.append(f"<details><summary><b>{e(r['id'])}</b> [{e(r['category'])}] {e(r['question'])}"
                     f"<div class='muted'>{e(scores)}</div></summary>"
                     f"<p><b>Reason:</b> {e(r['reason'])} (expected {e(r['expected_reason'])})</p>"
                     f"<p><b>Answer:</b> {e(r['answer'])}</p><p><b>Reference:</b> {e(r['reference'])}</p>")
        for c in r.get("citations", []):
            parts.append(f"<blockquote>[{c['n']}] {e(c.get('title') or '')} — {e(c['source'])}<br>{e(c.get('quote') or '')}"
                         "</blockquote>")
        for i, c in enumerate(r.get("contexts", [])[:3], 1):
            parts.append(f"<div class='ctx'><b>context {i}</b> ({e(c['source'])}): {e(c['text'][:600])}</div>")
        parts.append("</details>")
    lat = report["latency_ms"]
    parts.append(f"<p class='muted'>Answer latency p50 {lat['p50']} ms, p95 {lat['p95']} ms · run {report['seconds']} s</p>")
    parts.append("</body></html>")
    return "".join(parts)
