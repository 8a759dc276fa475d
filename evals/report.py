"""The HTML report of an eval run: a page a person reads in a browser, with no scripts and nothing fetched.

Summary (models, prompts, cassettes, the gate's verdict), every suite's metrics against its baseline, the
confusion matrix as a picture, and per-case diffs (expected against got): the cases that broke since the baseline
first, then the other failures, then the ones that were fixed.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from evals.gate import Problem, dig
from evals.present import delta, rows_for, shown

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{margin-top:2.5rem;border-bottom:2px solid #ddd}h3{margin-top:1.5rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
th{background:#f5f5f5;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
.better{color:#12703a}.worse{color:#b3261e;font-weight:600}.bad{color:#b3261e}.ok{color:#12703a}
.case{border:1px solid #ddd;border-radius:6px;margin:.75rem 0;padding:.5rem .75rem}
.case.broken{border-color:#b3261e}.case.fixed{border-color:#12703a}
pre{white-space:pre-wrap;margin:0;font-size:12px}.tag{font-size:12px;padding:0 .4rem;border-radius:4px;
background:#eee;margin-left:.4rem}.verdict{padding:.5rem 1rem;border-radius:6px;font-weight:600}
.pass{background:#e6f4ea}.fail{background:#fce8e6}
"""


def write_report(run: dict[str, Any], baselines: dict[str, dict[str, Any]], path: Path, *,
                 problems: list[Problem] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run, baselines, problems), encoding="utf-8")


def render(run: dict[str, Any], baselines: dict[str, dict[str, Any]], problems: list[Problem] | None) -> str:
    parts = [f"<!doctype html><meta charset=utf-8><title>Cazo eval {escape(run['run_id'])}</title>",
             f"<style>{STYLE}</style><h1>Cazo eval run {escape(run['run_id'])}</h1>", _header(run)]
    if problems is not None:
        verdict = "pass" if not problems else "fail"
        parts.append(f"<p class='verdict {verdict}'>eval gate: {'passed' if not problems else 'FAILED'}</p>")
        if problems:
            parts.append("<ul>" + "".join(f"<li>{escape(p.message)}</li>" for p in problems) + "</ul>")
    for name, data in run["suites"].items():
        parts.append(_suite(name, data, baselines.get(name)))
    return "\n".join(parts)


def _header(run: dict[str, Any]) -> str:
    git = run.get("git") or {}
    rows = [("started", run.get("started_at", "")), ("took", f"{run.get('seconds', '?')} s"),
            ("commit", f"{git.get('commit', '?')}{' (uncommitted changes)' if git.get('dirty') else ''}")]
    for tier, about in (run.get("models") or {}).items():
        rows.append((tier, ", ".join(f"{k}: {v}" for k, v in about.items())))
    rows.append(("prompt versions", ", ".join(f"{k} {v}" for k, v in (run.get("prompt_versions") or {}).items())))
    for name, stats in (run.get("cassettes") or {}).items():
        rows.append((f"cassette {name}", ", ".join(f"{k} {v}" for k, v in stats.items())))
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows) + "</table>"


def _suite(name: str, data: dict[str, Any], base: dict[str, Any] | None) -> str:
    metrics = data["metrics"]
    out = [f"<h2>{escape(name)} <span class=tag>{metrics['cases']} cases · {escape(data['file'])} · "
           f"{data.get('seconds', '?')} s</span></h2>", _metrics_table(data["kind"], metrics, base)]
    if metrics.get("confusion"):
        out.append("<h3>Intent confusion (rows: expected, columns: got)</h3>" + confusion_svg(metrics["confusion"]))
    out.append(_cases(data, base))
    out.append(_all_cases(data))
    return "\n".join(out)


def _all_cases(data: dict[str, Any]) -> str:
    """Every case in one line (folded): what it was and whether it passed."""
    rows = []
    for result in data["results"]:
        said = result.get("text") or " / ".join(t.get("said") or "" for t in result.get("turns") or [])
        mark = "<span class=ok>pass</span>" if result["ok"] else "<span class=bad>FAIL</span>"
        rows.append(f"<tr><td>{escape(result['id'])}</td><td>{mark}</td><td>{escape(said[:300])}</td></tr>")
    return (f"<details><summary>All {len(rows)} cases</summary><table><tr><th>case</th><th></th><th>message"
            f"</th></tr>{''.join(rows)}</table></details>")


def _metrics_table(kind: str, metrics: dict[str, Any], base: dict[str, Any] | None) -> str:
    before = (base or {}).get("metrics") or {}
    rows = ["<table><tr><th>metric</th><th>now</th><th>baseline</th><th>change</th></tr>"]
    for label, path, percent in rows_for(kind):
        now, then = dig(metrics, path), dig(before, path)
        if now is None and then is None:
            continue
        change = delta(now, then, percent)
        lower_better = path.startswith(("latency", "violations", "cost", "tokens", "tier_mix.unsettled"))
        css = ""
        if change and now is not None and then is not None:
            css = "worse" if (now < then) != lower_better else "better"
        rows.append(f"<tr><td>{escape(label)}</td><td class=num>{shown(now, percent)}</td>"
                    f"<td class=num>{shown(then, percent)}</td><td class='num {css}'>{escape(change)}</td></tr>")
    return "".join(rows) + "</table>"


def confusion_svg(confusion: dict[str, dict[str, int]]) -> str:
    """A heat map: each cell's shade is its share of the row (what the expected intent became), the diagonal
    green, any confusion red (never fainter than 30%, so a single one shows); the count is in every non-empty
    cell."""
    labels = sorted(set(confusion) | {got for row in confusion.values() for got in row})
    cell, left, top = 26, 110, 110
    size = len(labels) * cell
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{left + size + 70}' height='{top + size + 10}' "
           "font-family='system-ui,sans-serif' font-size='11'>"]
    for i, label in enumerate(labels):
        y = top + i * cell + cell * 0.65
        out.append(f"<text x='{left - 6}' y='{y:.1f}' text-anchor='end'>{escape(label)}</text>")
        x = left + i * cell + cell * 0.65
        out.append(f"<text transform='translate({x:.1f},{top - 6}) rotate(-60)'>{escape(label)}</text>")
    for i, expected in enumerate(labels):
        row = confusion.get(expected, {})
        total = sum(row.values()) or 1
        for j, got in enumerate(labels):
            count = row.get(got, 0)
            share = count / total
            colour = (f"rgba(18,112,58,{0.15 + 0.85 * share:.2f})" if i == j
                      else f"rgba(179,38,30,{0.3 + 0.7 * share:.2f})")
            x, y = left + j * cell, top + i * cell
            out.append(f"<rect x='{x}' y='{y}' width='{cell}' height='{cell}' fill='{colour if count else '#fafafa'}'"
                       f" stroke='#e5e5e5'><title>{escape(expected)} → {escape(got)}: {count}</title></rect>")
            if count:
                fill = "#fff" if share > 0.6 or i != j else "#222"
                out.append(f"<text x='{x + cell / 2}' y='{y + cell * 0.65:.1f}' text-anchor='middle' "
                           f"fill='{fill}'>{count}</text>")
    out.append("</svg>")
    return "".join(out)


def _cases(data: dict[str, Any], base: dict[str, Any] | None) -> str:
    before = (base or {}).get("cases") or {}
    broken, failing, fixed = [], [], []
    for result in data["results"]:
        was = before.get(result["id"])
        if not result["ok"] and was is not None and was.get("ok"):
            broken.append(result)
        elif not result["ok"]:
            failing.append(result)
        elif was is not None and not was.get("ok"):
            fixed.append(result)
    out = []
    for title, rows, css in (("Broken since the baseline", broken, "broken"), ("Failing", failing, ""),
                             ("Fixed since the baseline", fixed, "fixed")):
        if rows:
            out.append(f"<h3>{title} ({len(rows)})</h3>")
            out += [_case(r, data["kind"], css) for r in rows]
    return "\n".join(out) if out else "<p class=ok>Every case passed.</p>"


def _case(result: dict[str, Any], kind: str, css: str) -> str:
    head = f"<div class='case {css}'><b>{escape(result['id'])}</b>"
    reasons = "<ul>" + "".join(f"<li class=bad>{escape(f)}</li>" for f in result["failures"]) + "</ul>"
    if kind == "message":
        got = result.get("got") or {}
        return (head + f" <q>{escape(result.get('text') or '')}</q>{reasons}<table><tr><th>expected</th>"
                f"<th>got</th></tr><tr><td><pre>{escape(json.dumps(result['expect'], ensure_ascii=False, indent=1))}"
                f"</pre></td><td><pre>{escape(json.dumps(got, ensure_ascii=False, indent=1))}</pre></td></tr>"
                "</table></div>")
    rows = ["<table><tr><th>#</th><th>customer</th><th>bot</th><th>understood</th><th>tools</th><th>checks</th></tr>"]
    for number, turn in enumerate(result.get("turns") or [], 1):
        understood = f"{turn['intent']} · {turn['tier']} · {turn['flow']}/{turn['outcome'] or '-'}"
        checks = "".join(f"<div class=bad>{escape(f)}</div>" for f in turn["failures"]) or "<span class=ok>ok</span>"
        reply = turn["text"] if len(turn["text"]) < 600 else turn["text"][:600] + " …"
        rows.append(f"<tr><td>{number}</td><td>{escape(turn.get('said') or '')}</td><td><pre>{escape(reply)}</pre>"
                    f"</td><td>{escape(understood)}</td><td>{escape(', '.join(turn['tools']))}</td><td>{checks}</td>"
                    "</tr>")
    rows.append("</table>")
    final = result.get("final") or {}
    booked = "; ".join(f"{' + '.join(b['services'])} with {', '.join(b['staff'])} {b['date']} {b['time']} "
                       f"({b['status']})" for b in final.get("bookings", [])) or "none"
    return head + reasons + "".join(rows) + f"<p>bookings after: {escape(booked)}</p></div>"
