"""`hfjobs-spec cost` as an aligned table, JSON (exact micro-dollars) or Markdown."""

from __future__ import annotations

import json

from hfjobs_spec.output.cost_text import duration_text
from hfjobs_spec.output.markdown import inline
from hfjobs_spec.reconcile.cost import format_usd, iso
from hfjobs_spec.reconcile.cost_report import CostReport, CostRow, CostTotals, Spend

JSON_FORMAT_VERSION = 1
COLUMNS = ("NAME", "NAMESPACE", "FLAVOR", "PRICE/H", "RUN CEILING", "RUNS/30D", "MONTHLY CEILING")


def _money(micro: int | None) -> str:
    return "unknown" if micro is None else format_usd(micro)


def _spend(spend: Spend | None) -> str:
    if spend is None:
        return "-"
    unpriced = f" (+{spend.unpriced} unpriced)" if spend.unpriced else ""
    return f"{format_usd(spend.micro_usd)} ({spend.runs} run{'s' if spend.runs != 1 else ''}){unpriced}"


def _cells(row: CostRow, live: bool) -> list[str]:
    cost = row.cost
    if cost is None:
        cells = [row.name, row.namespace, "-", "-", "-", "-", "not declared"]
    else:
        tries = f" ×{cost.attempts}" if cost.attempts > 1 else ""
        ceiling = f"{_money(cost.run_ceiling_micro_usd)} ({duration_text(cost.timeout_seconds)}{tries})"
        if cost.schedule is None:
            runs, monthly = "one-shot", "-"
        elif cost.suspend:
            runs, monthly = "suspended", format_usd(0)
        else:
            runs = str(cost.runs)
            monthly = _money(cost.monthly_ceiling_micro_usd) + (" (capped)" if cost.capped else "")
        cells = [row.name, row.namespace, cost.flavor, _money(row.hourly_micro_usd), ceiling, runs, monthly]
    return [*cells, _spend(row.live)] if live else cells


def _total_cells(label: str, namespace: str, totals: CostTotals, live: bool) -> list[str]:
    one_off = f"one-shot: {format_usd(totals.one_off)}" if totals.one_off else ""
    cells = [label, namespace, "", "", one_off, "", format_usd(totals.monthly)]
    return [*cells, _spend(totals.live)] if live else cells


def render_cost(report: CostReport) -> str:
    columns = [*COLUMNS, "LAST 30 DAYS"] if report.live else list(COLUMNS)
    table = [columns] + [_cells(row, report.live) for row in report.rows]
    table.append([""] * len(columns))
    if len(report.by_namespace) > 1:
        table += [_total_cells("total", ns, t, report.live) for ns, t in sorted(report.by_namespace.items())]
    table.append(_total_cells("project total", report.project, report.total, report.live))
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    body = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in table)
    return body + "\n" + "".join(f"{line}\n" for line in _notes(report))


def _notes(report: CostReport) -> list[str]:
    notes = [f"Ceilings at the Hub's prices: every attempt running to its timeout; runs in the 30 days from "
             f"{iso(report.as_of)} (UTC)."]
    if report.live:
        notes.append("Last 30 days: the managed runs that started in them, their running time × price.")
    if report.prices_error:
        notes.append(f"warning: {report.prices_error}")
    if report.total.unknown:
        notes.append(f"warning: price unknown for {', '.join(report.total.unknown)}: left out of the totals")
    return notes


def render_cost_json(report: CostReport) -> str:
    return json.dumps({"format_version": JSON_FORMAT_VERSION, **report.to_dict()}, indent=2, sort_keys=True) + "\n"


def render_cost_markdown(report: CostReport) -> str:
    columns = [*COLUMNS, "LAST 30 DAYS"] if report.live else list(COLUMNS)
    lines = [f"### Cost of `{report.project}` · environment `{report.environment or 'default'}`", "",
             "| " + " | ".join(c.lower() for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(inline(cell) or " " for cell in _cells(row, report.live)) + " |"
              for row in report.rows]
    totals = [("total", ns, t) for ns, t in sorted(report.by_namespace.items())] if len(report.by_namespace) > 1 \
        else []
    totals.append(("**project total**", report.project, report.total))
    lines += ["| " + " | ".join(cell or " " for cell in _total_cells(label, ns, t, report.live)) + " |"
              for label, ns, t in totals]
    return "\n".join(lines) + "\n\n" + "".join(f"{inline(note)}\n" for note in _notes(report))
