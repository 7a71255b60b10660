"""The benchmark report: `pgokit bench` results rendered as one self-contained
HTML page (CSS inline, charts as base64 PNG, no scripts, nothing fetched), a
Markdown summary for CI job summaries, and the charts as PNG files.

The input is schema 1 (scripts/tests/data/bench-sample.json is a full one):
per-variant figures are null where a variant was not measured; a whole section
("wrk", "counts", "profile", "arm64") is a dict {"skipped": reason} when it
was not run, and the report says so in one line instead of drawing it.
profile.top_functions[] are the project's own hottest functions (not std::
or boost::); their share, and profile.library_share (the standard library's
and Boost's part, absent in older results), are fractions of
profile.total_count (0..1).

A difference to the baseline is flagged "within noise" when the spread
(max - min over rounds) of the variant or of the baseline is larger than the
difference of their medians. Valgrind counts repeat to within about 0.2%: no flag.

matplotlib is imported only when a report is rendered, so `pgokit --help`
does not pay for it."""

import base64
import io
import json
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError, ToolNotFound
from pgokit_cli.fileutil import fresh_dir
from pgokit_cli.runner import Runner

SCHEMA = 1
DEFAULT_OUT = Path("dist/report")
# The baseline in slate, the variants in colours that stay apart in grey print.
BASELINE_COLOUR = "#64748b"
VARIANT_COLOURS = ["#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777"]
ACCENT = "#2563eb"
TOP_FUNCTIONS = 15
# Chart PNGs are drawn at twice the size they are shown, for sharp text on HiDPI screens.
DPI = 200
SHOWN_DPI = 100


# ---------------------------------------------------------------------------
# Reading the results


@dataclass(frozen=True)
class Metric:
    """One figure of a variant, and which way is better."""

    title: str
    unit: str
    lower_is_better: bool
    get: Callable[[dict], dict | float | None]
    fmt: str = "{:,.0f}"


def _latency(p: str) -> Callable[[dict], dict | None]:
    return lambda v: (v.get("latency_ms") or {}).get(p)


def _count(key: str) -> Callable[[dict], float | None]:
    return lambda v: (v.get("counts") or {}).get(key)


THROUGHPUT = Metric("Throughput", "req/s", False, lambda v: v.get("throughput"))
CAPACITY = Metric("Server capacity", "req per CPU-s", False, lambda v: v.get("capacity"))
LATENCY = {p: Metric(f"{p} latency", "ms", True, _latency(p), "{:,.2f}") for p in ("p50", "p90", "p99")}
INSTRUCTIONS = Metric("Instructions", "per request", True, _count("instructions"))
I1_MISSES = Metric("I1 misses", "per request", True, _count("i1_misses"), "{:,.1f}")
BRANCH_MISSES = Metric("Branch mispredicts", "per request", True, _count("branch_mispredicts"), "{:,.1f}")
HOT_CODE = Metric("Hot code", "KiB run every request", True, _count("hot_code_kib"), "{:,.1f}")


@dataclass(frozen=True)
class Cell:
    """A variant's figure next to the baseline's."""

    value: float
    low: float
    high: float
    ratio: float | None
    noisy: bool
    better: bool | None  # None: same as the baseline, or it is the baseline


def median(stat) -> float | None:
    """The central figure of a {"median", "min", "max", "rounds"} dict or a plain number."""
    if stat is None:
        return None
    return float(stat["median"]) if isinstance(stat, dict) else float(stat)


def spread(stat) -> float:
    """max - min over the rounds (0 for a single, deterministic figure)."""
    if not isinstance(stat, dict):
        return 0.0
    return float(stat.get("max", stat["median"])) - float(stat.get("min", stat["median"]))


def compare(variant: dict, baseline: dict, metric: Metric) -> Cell | None:
    stat, base = metric.get(variant), metric.get(baseline)
    value = median(stat)
    if value is None:
        return None
    low = float(stat.get("min", value)) if isinstance(stat, dict) else value
    high = float(stat.get("max", value)) if isinstance(stat, dict) else value
    base_value = median(base)
    if variant is baseline or base_value is None:
        return Cell(value, low, high, None, False, None)
    ratio = value / base_value if base_value else None
    difference = abs(value - base_value)
    noisy = max(spread(stat), spread(base)) > difference
    better = None if value == base_value else (value < base_value) == metric.lower_is_better
    return Cell(value, low, high, ratio, noisy, better)


def section(results: dict, key: str) -> tuple[dict | None, str | None]:
    """(data, None) for a section that ran, (None, reason) for one that did not."""
    data = results.get(key)
    if data is None:
        return None, f"the results have no '{key}' section"
    if "skipped" in data:
        return None, str(data["skipped"])
    return data, None


def baseline_of(results: dict) -> dict:
    name = results.get("baseline")
    for variant in results["variants"]:
        if variant["name"] == name:
            return variant
    raise PgokitError(f"the baseline '{name}' is not one of the variants "
                      f"({', '.join(v['name'] for v in results['variants'])})")


def check_schema(results: dict) -> None:
    if results.get("schema") != SCHEMA:
        raise PgokitError(f"bench results have schema {results.get('schema')!r}; this pgokit renders schema {SCHEMA}",
                          hint="rerun 'pgokit bench' with this version of pgokit")
    if not results.get("variants"):
        raise PgokitError("bench results list no variants: nothing to report")
    baseline_of(results)


# ---------------------------------------------------------------------------
# Formatting


def short_name(name: str, limit: int = 60) -> str:
    """A demangled C++ name cut to limit characters for a chart label: template
    arguments, then parameter lists collapse to '…' (innermost first), then
    leading qualifiers go; the end, which names the function, stays."""
    if len(name) <= limit:
        return name
    # Brackets that are part of an operator's name are not template brackets.
    hidden = {"<": "\x01", ">": "\x02", "(": "\x05", ")": "\x06"}
    protect = str.maketrans(hidden)
    restore = str.maketrans({v: k for k, v in hidden.items()} | {"\x03": "<…>", "\x04": "(…)"})
    s = re.sub(r"operator(<=>|<<=|>>=|<<|>>|<=|>=|->\*|->|<|>|\(\))",
               lambda m: "operator" + m.group(1).translate(protect), name)
    s = s.replace("(anonymous namespace)", "(anonymous namespace)".translate(protect))

    def length(text: str) -> int:
        return len(text.translate(restore))

    for pattern, placeholder in ((r"<[^<>]*>", "\x03"), (r"\([^()]*\)", "\x04")):
        while length(s) > limit and re.search(pattern, s):
            s = re.sub(pattern, placeholder, s)
    parts = s.split("::")
    while length(s) > limit and len(parts) > 2:
        parts = parts[1:]
        s = "…::" + "::".join(parts)
    s = s.translate(restore)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def fmt_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def fmt_kib(size: int | None) -> str:
    return "—" if size is None else f"{size / 1024:,.0f} KiB"


def fmt_change(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "—"
    if before == 0:
        return "±0%" if after == 0 else "new"
    change = (after - before) * 100 / before
    return "≈0%" if after != before and abs(change) < 0.05 else f"{change:+.1f}%"


def md(text) -> str:
    """Text for a Markdown table cell: HTML-escaped (GitHub renders raw HTML),
    Markdown punctuation and the cell separator backslash-escaped."""
    text = escape(str(text), quote=False)
    return re.sub(r"([\\`*_\[\]|#~])", r"\\\1", text)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), cls: str = "") -> str:
    """rows hold HTML already escaped; the columns numbered in numeric are right-aligned."""
    def cells(row, tag):
        return "".join(f'<{tag}{" class=num" if i in numeric else ""}>{c}</{tag}>' for i, c in enumerate(row))
    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    return (f'<div class="scroll"><table class="{cls}"><thead><tr>{cells(header, "th")}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def cell_html(cell: Cell | None, metric: Metric) -> str:
    if cell is None:
        return "—"
    text = escape(metric.fmt.format(cell.value))
    if cell.ratio is None:
        return text
    state = "noise" if cell.noisy else ("better" if cell.better else "worse" if cell.better is False else "")
    out = f'{text}<br><span class="ratio {state}">{fmt_ratio(cell.ratio)}</span>'
    if cell.noisy:
        out += '<br><span class="badge noise">within noise</span>'
    return out


def cell_md(cell: Cell | None, metric: Metric) -> str:
    if cell is None:
        return "—"
    text = metric.fmt.format(cell.value)
    if cell.ratio is None:
        return text
    return f"{text} ({fmt_ratio(cell.ratio)}{', ⚠️ within noise' if cell.noisy else ''})"


# ---------------------------------------------------------------------------
# Charts: one function per chart, each returns a matplotlib Figure


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ToolNotFound("matplotlib (Python module for the report's charts)", "python3-matplotlib") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({
        # Function names may hold '$'; they are text, not TeX.
        "text.parse_math": False,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#e5e7eb",
        "axes.axisbelow": True,
        "axes.titleweight": "bold",
        "axes.titlesize": 10,
        "svg.fonttype": "none",
    })
    return plt


def colours(variants: list[dict], baseline: dict) -> list[str]:
    others = iter(VARIANT_COLOURS * (len(variants) // len(VARIANT_COLOURS) + 1))
    return [BASELINE_COLOUR if v is baseline else next(others) for v in variants]


def _bar_label(cell: Cell, metric: Metric) -> str:
    label = metric.fmt.format(cell.value)
    if cell.ratio is not None:
        label += f"\n{fmt_ratio(cell.ratio)}" + (" (noise)" if cell.noisy else "")
    return label


def _variant_bars(ax, variants: list[dict], baseline: dict, metric: Metric) -> None:
    """One bar per variant with a min–max error bar, labelled with the value and ratio."""
    shown = [(v, c, compare(v, baseline, metric)) for v, c in zip(variants, colours(variants, baseline))]
    shown = [(v, c, cell) for v, c, cell in shown if cell is not None]
    xs = range(len(shown))
    cells = [cell for _, _, cell in shown]
    errors = [[c.value - c.low for c in cells], [c.high - c.value for c in cells]]
    bars = ax.bar(xs, [c.value for c in cells], color=[c for _, c, _ in shown], width=0.6,
                  yerr=errors if any(map(any, errors)) else None,
                  error_kw={"ecolor": "#111827", "capsize": 4, "elinewidth": 1})
    for bar, cell in zip(bars, cells):
        if cell.noisy:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    ax.bar_label(bars, labels=[_bar_label(c, metric) for c in cells], padding=3, fontsize=8)
    ax.set_xticks(list(xs), [v["name"] for v, _, _ in shown])
    ax.set_ylabel(f"{metric.title} ({metric.unit})")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.margins(y=0.25)


def chart_throughput(plt, variants: list[dict], baseline: dict):
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _variant_bars(ax, variants, baseline, THROUGHPUT)
    ax.set_title("Throughput by variant (median of rounds, bars: min–max)")
    return fig


def chart_capacity(plt, variants: list[dict], baseline: dict):
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _variant_bars(ax, variants, baseline, CAPACITY)
    ax.set_title("Server capacity: requests per server CPU-second (median, bars: min–max)")
    return fig


def chart_latency(plt, variants: list[dict], baseline: dict):
    """Grouped bars: p50, p90, p99 per variant, min–max over rounds."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    shown = [v for v in variants if v.get("latency_ms")]
    width = 0.8 / len(shown)
    palette = dict(zip((v["name"] for v in variants), colours(variants, baseline)))
    for i, variant in enumerate(shown):
        cells = [compare(variant, baseline, LATENCY[p]) for p in LATENCY]
        xs = [g + (i - (len(shown) - 1) / 2) * width for g in range(len(LATENCY))]
        present = [(x, c) for x, c in zip(xs, cells) if c is not None]
        bars = ax.bar([x for x, _ in present], [c.value for _, c in present], width=width * 0.92,
                      color=palette[variant["name"]], label=variant["name"],
                      yerr=[[c.value - c.low for _, c in present], [c.high - c.value for _, c in present]],
                      error_kw={"ecolor": "#111827", "capsize": 2, "elinewidth": 0.8})
        labels = [f"{c.value:.2f}" + (f"\n{fmt_ratio(c.ratio)}" if c.ratio else "") + ("*" if c.noisy else "")
                  for _, c in present]
        for bar, (_, c) in zip(bars, present):
            if c.noisy:
                bar.set_hatch("///")
                bar.set_edgecolor("white")
        ax.bar_label(bars, labels=labels, padding=2, fontsize=7)
    ax.set_xticks(range(len(LATENCY)), list(LATENCY))
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency percentiles by variant (median of rounds; * hatched: within noise)")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.margins(y=0.3)
    return fig


def chart_counts(plt, variants: list[dict], baseline: dict):
    """Two panels: instructions and simulated I1 misses per request."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, metric in zip(axes, (INSTRUCTIONS, I1_MISSES)):
        _variant_bars(ax, variants, baseline, metric)
        ax.set_title(f"{metric.title} {metric.unit}")
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("Per-request counts (valgrind; ratio vs baseline under each value)", fontsize=10)
    fig.tight_layout()
    return fig


def chart_footprint(plt, variants: list[dict], l1i_bytes: int | None):
    """Per variant, the code the measured requests ran and its hot part (run on
    average once per request or more), against the simulated L1i."""
    shown = [v for v in variants if HOT_CODE.get(v) is not None]
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(shown) + 1.8))
    ys = list(range(len(shown)))
    touched = [v["counts"]["code_kib"] for v in shown]
    hot = [v["counts"]["hot_code_kib"] for v in shown]
    ax.barh(ys, touched, color="#94a3b8", height=0.7, label="ran at all")
    bars = ax.barh(ys, hot, color=ACCENT, height=0.7, label="hot: run every request on average")
    ax.bar_label(bars, labels=[f"{h:,.1f}" for h in hot], padding=3, fontsize=8, color="white",
                 label_type="center")
    if l1i_bytes:
        ax.axvline(l1i_bytes / 1024, color="#dc2626", linestyle="--", linewidth=1.2,
                   label=f"simulated L1i ({l1i_bytes // 1024} KiB)")
    ax.set_yticks(ys, [v["name"] for v in shown], fontsize=8)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("code in 64-byte lines (KiB)")
    ax.set_title("Code footprint of the measured requests")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    return fig


def chart_hot_functions(plt, profile: dict):
    top = profile["top_functions"][:TOP_FUNCTIONS]
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(top) + 1.0))
    shares = [f["share"] * 100 for f in top]
    ys = range(len(top))
    bars = ax.barh(ys, shares, color=ACCENT, height=0.7)
    ax.bar_label(bars, labels=[f"{s:.1f}%" for s in shares], padding=3, fontsize=8)
    ax.set_yticks(list(ys), [short_name(f["name"]) for f in top], fontsize=8)
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of the profile's total count (%)")
    ax.set_title(f"The project's {len(top)} hottest functions in the profile")
    ax.margins(x=0.15)
    return fig


def coverage_rows(profile: dict) -> list[tuple[str, int | None, str]]:
    """(label, functions, what it means) for the coverage chart and table."""
    functions, with_counts = profile["functions"], profile["functions_with_counts"]
    return [
        ("with counts", with_counts, "ran during training"),
        ("no counts", functions - with_counts, "in the profile, never ran"),
        ("stale", profile.get("stale_functions"), "profile no longer matches the code"),
        ("unprofiled", profile.get("unprofiled_functions"), "in the binary, not in the profile"),
    ]


def chart_coverage(plt, profile: dict):
    rows = [(label, n) for label, n, _ in coverage_rows(profile) if n is not None]
    fig, ax = plt.subplots(figsize=(6.5, 0.42 * len(rows) + 1.0))
    palette = {"with counts": "#059669", "no counts": "#94a3b8", "stale": "#dc2626", "unprofiled": "#d97706"}
    ys = range(len(rows))
    bars = ax.barh(ys, [n for _, n in rows], color=[palette[label] for label, _ in rows], height=0.6)
    total = profile["functions"] or 1
    ax.bar_label(bars, labels=[f"{n:,} ({n * 100 / total:.0f}%)" for _, n in rows], padding=3, fontsize=8)
    ax.set_yticks(list(ys), [label for label, _ in rows])
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"functions (% of the profile's {profile['functions']:,})")
    ax.set_title("Profile coverage")
    ax.margins(x=0.25)
    return fig


def chart_dyno_stats(plt, before: dict, after: dict):
    """Change after BOLT of each dyno-stat that BOLT changed by 0.1% or more."""
    changes = {n: (after[n] - before[n]) * 100 / before[n] for n in before if before[n] and n in after}
    names = [n for n, c in changes.items() if abs(c) >= 0.1] or list(changes)
    changes = [changes[n] for n in names]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(names) + 1.0))
    ys = range(len(names))
    bars = ax.barh(ys, changes, color=ACCENT, height=0.65)
    ax.bar_label(bars, labels=[f"{c:+.1f}%" for c in changes], padding=3, fontsize=8)
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#111827", linewidth=0.8)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("change after BOLT (%)")
    ax.set_title("arm64: BOLT dyno-stats that changed (after vs before)")
    ax.margins(x=0.2)
    return fig


def chart_arm64_size(plt, size: dict):
    stages = [("before BOLT", size.get("before_bolt") or {}), ("after BOLT", size.get("after_bolt") or {})]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    width = 0.38
    for i, (key, colour) in enumerate((("text", BASELINE_COLOUR), ("hot_text", ACCENT))):
        values = [(stage.get(key) or 0) / 1024 for _, stage in stages]
        bars = ax.bar([x + (i - 0.5) * width for x in range(len(stages))], values, width=width * 0.95,
                      color=colour, label=".text" if key == "text" else "hot text")
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v else "—" for v in values], padding=2, fontsize=8)
    ax.set_xticks(range(len(stages)), [label for label, _ in stages])
    ax.set_ylabel("size (KiB)")
    ax.set_title("arm64: code size")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.legend(frameon=False, fontsize=8, ncols=2, loc="upper center")
    ax.margins(y=0.3)
    return fig


# ---------------------------------------------------------------------------
# Sections: each returns HTML and Markdown, and draws its charts into a Charts


@dataclass
class Charts:
    """The PNGs a report draws, by file name, and the <img> tags that embed them."""

    plt: object
    png: dict[str, bytes] = field(default_factory=dict)

    def img(self, name: str, fig, alt: str) -> str:
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
        finally:
            self.plt.close(fig)
        data = buf.getvalue()
        self.png[f"{name}.png"] = data
        width, height = struct.unpack(">II", data[16:24])
        shown = (width * SHOWN_DPI // DPI, height * SHOWN_DPI // DPI)
        return (f'<figure><img class="chart" id="chart-{name}" width="{shown[0]}" height="{shown[1]}" '
                f'alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}"></figure>')


@dataclass
class Part:
    html: str
    markdown: str


def omitted(title: str, reason: str) -> Part:
    return Part(f'<p class="omitted"><strong>{escape(title)}</strong> left out: {escape(reason)}</p>',
                f"> **{md(title)}** left out: {md(reason)}")


MACHINE = {"cpu": "CPU", "cores": "Cores", "kernel": "Kernel", "compiler": "Compiler"}


def part_header(results: dict) -> Part:
    machine = results.get("machine") or {}
    wrk, _ = section(results, "wrk")
    rows = [("Command", f"<code>{escape(results.get('command') or '—')}</code>")]
    rows += [(label, escape(str(machine[k]))) for k, label in MACHINE.items() if k in machine]
    if wrk:
        rows.append(("Load", escape(load_line(wrk))))
    targets = results.get("targets") or []
    met = sum(1 for t in targets if t.get("met"))
    verdict = ""
    if targets:
        state = "met" if met == len(targets) else "missed"
        verdict = f'<span class="badge {state}">{met} of {len(targets)} targets met</span>'
    title = f"pgokit benchmark — scenario {results.get('scenario') or '?'}"
    html = (f"<header><h1>{escape(title)}</h1>"
            f'<p class="sub">Created {escape(results.get("created") or "?")} · baseline: '
            f"<strong>{escape(results['baseline'])}</strong> {verdict}</p>"
            + html_table(["", ""], [[k, v] for k, v in rows], cls="meta")
            + "</header>")
    lines = [f"## {md(title)}", "",
             f"Created {md(results.get('created') or '?')} · baseline **{md(results['baseline'])}**"
             + (f" · **{met} of {len(targets)} targets met**" if targets else ""), "",
             f"Command: `{(results.get('command') or '—').replace('`', '')}`  "]
    desc = ", ".join(f"{label} {machine[k]}" for k, label in MACHINE.items() if k in machine)
    if desc:
        lines.append(f"Machine: {md(desc)}  ")
    if wrk:
        lines.append(f"Load: {md(load_line(wrk))}")
    return Part(html, "\n".join(lines))


def load_line(wrk: dict) -> str:
    return (f"wrk, {wrk.get('rounds', '?')} rounds × {wrk.get('duration_s', '?')} s after "
            f"{wrk.get('warmup_s', 0)} s warm-up, {wrk.get('connections', '?')} connections; "
            f"server on CPU {wrk.get('server_cpu', '?')}, load on CPU {wrk.get('load_cpu', '?')}")


def part_targets(results: dict) -> Part:
    targets = results.get("targets") or []
    if not targets:
        return omitted("Targets", "none were set")
    rows_html, rows_md = [], []
    for t in targets:
        state = "met" if t.get("met") else "missed"
        rows_html.append([f'<span class="badge {state}">{state}</span>', escape(t["name"]),
                          escape(fmt_number(t.get("value"))), escape(t.get("why") or "")])
        rows_md.append([("✅ met" if t.get("met") else "❌ missed"), md(t["name"]), md(fmt_number(t.get("value"))),
                        md(t.get("why") or "")])
    header = ["", "Target", "Value", "Why"]
    return Part("<h2>Targets</h2>" + html_table(header, rows_html, {2}, cls="targets"),
                "### Targets\n\n" + md_table(["Result", "Target", "Value", "Why"], rows_md))


def summary_metrics(results: dict) -> list[Metric]:
    """The summary's columns: those some variant has a figure for."""
    candidates = [THROUGHPUT, CAPACITY, LATENCY["p99"], INSTRUCTIONS, I1_MISSES, HOT_CODE, BRANCH_MISSES]
    return [m for m in candidates if any(m.get(v) is not None for v in results["variants"])]


def errors_text(variant: dict) -> str:
    errors = variant.get("errors")
    if not errors:
        return "—"
    return ", ".join(f"{n:,} {k.replace('_', '-')}" for k, n in errors.items() if n) or "none"


def part_summary(results: dict) -> Part:
    baseline = baseline_of(results)
    metrics = summary_metrics(results)
    header = ["Variant"] + [f"{m.title} ({m.unit})" for m in metrics] + [".text", "hot text"]
    header_html = ["Variant"] + [f'{escape(m.title)}<br><span class="unit">{escape(m.unit)}</span>' for m in metrics]
    header_html += [".text", "hot text"]
    has_errors = any(any((v.get("errors") or {}).values()) for v in results["variants"])
    if has_errors:
        header.append("wrk errors")
        header_html.append("wrk errors")
    rows_html, rows_md = [], []
    for v in results["variants"]:
        cells = [compare(v, baseline, m) for m in metrics]
        size = v.get("size") or {}
        name = escape(v["name"]) + (' <span class="tag">baseline</span>' if v is baseline else "")
        row_html = [name] + [cell_html(c, m) for c, m in zip(cells, metrics)]
        row_html += [fmt_kib(size.get("text")), fmt_kib(size.get("hot_text"))]
        row_md = [md(v["name"]) + (" (baseline)" if v is baseline else "")]
        row_md += [md(cell_md(c, m)) for c, m in zip(cells, metrics)]
        row_md += [fmt_kib(size.get("text")), fmt_kib(size.get("hot_text"))]
        if has_errors:
            text = errors_text(v)
            flagged = text not in ("—", "none")
            row_html.append(f'<span class="badge missed">{escape(text)}</span>' if flagged else escape(text))
            row_md.append(("⚠️ " if flagged else "") + md(text))
        rows_html.append(row_html)
        rows_md.append(row_md)
    legend, legend_md = "Ratios are variant ÷ baseline; green is better, red worse.", "Ratios are variant ÷ baseline."
    if any(isinstance(m.get(v), dict) for m in metrics for v in results["variants"]):
        noise = " marks a difference smaller than the spread (max − min over rounds) of the variant or the baseline."
        legend += f' <span class="badge noise">within noise</span>{noise}'
        legend_md += f" *within noise*{noise}"
    table = html_table(header_html, rows_html, set(range(1, len(header))), cls="summary")
    return Part(f'<h2>Summary</h2>{table}<p class="legend">{legend}</p>',
                f"### Summary vs baseline\n\n{md_table(header, rows_md)}\n\n{legend_md}")


def part_wrk(results: dict, charts: Charts) -> Part:
    wrk, reason = section(results, "wrk")
    if not wrk:
        return omitted("Throughput and latency (wrk)", reason)
    variants, baseline = results["variants"], baseline_of(results)
    html = f"<h2>Throughput and latency</h2><p>{escape(load_line(wrk))}.</p>"
    if any(v.get("throughput") for v in variants):
        html += charts.img("throughput", chart_throughput(charts.plt, variants, baseline),
                           "throughput in requests per second by variant")
    else:
        html += omitted("Throughput", "no variant has a throughput figure").html
    if any(v.get("capacity") for v in variants):
        busy = [v.get("server_utilization") for v in variants if v.get("server_utilization") is not None]
        if busy and min(busy) < 0.9:
            html += (f'<p class="note">The server was busy only {min(busy):.0%}–{max(busy):.0%} of each round: '
                     "wrk used up its own core first, so requests per second measure the load generator. "
                     "Server capacity (requests per server CPU-second) is the figure that compares the builds."
                     "</p>")
        html += charts.img("capacity", chart_capacity(charts.plt, variants, baseline),
                           "requests per server CPU-second by variant")
    if any(v.get("latency_ms") for v in variants):
        html += charts.img("latency", chart_latency(charts.plt, variants, baseline),
                           "p50, p90 and p99 latency in milliseconds by variant")
    else:
        html += omitted("Latency", "no variant has latency figures").html
    return Part(html, "")


def l1i_note(counts: dict) -> str:
    """The simulated L1i, when it is not the host's."""
    size = counts.get("l1i_bytes")
    return f" The L1 instruction cache simulated is {size // 1024} KiB (--l1i), not the host's." \
        if isinstance(size, int) else ""


def part_counts(results: dict, charts: Charts) -> Part:
    counts, reason = section(results, "counts")
    if not counts:
        return omitted("Per-request counts (valgrind)", reason)
    variants, baseline = results["variants"], baseline_of(results)
    if not any(v.get("counts") for v in variants):
        return omitted("Per-request counts (valgrind)", "no variant has counts")
    html = ("<h2>Per-request counts</h2><p>Instructions and simulated I1 misses (callgrind, counted only around the replay) per "
            f"request, over {fmt_number(counts.get('requests'))} replayed requests. They repeat to within "
            f"about 0.2% from run to run, so one run is enough.{l1i_note(counts)} Branch mispredictions "
            "(summary table) come from valgrind's model of a 2004-era predictor, whose tables inlining and "
            "layout alias differently: read them as a model's figure, not hardware's.</p>")
    html += charts.img("counts", chart_counts(charts.plt, variants, baseline),
                       "instructions and I1 misses per request by variant")
    if any(HOT_CODE.get(v) is not None for v in variants):
        l1i = next(filter(None, (_count("l1i_bytes")(v) for v in variants)), None)
        html += ("<p>The code footprint explains the I1 misses: the 64-byte lines of code the measured "
                 "requests ran, and the hot part of it, run on average at least once per request. When "
                 "the hot code outgrows the L1i, every layout keeps missing; layout (PGO's hot and cold "
                 "sections, BOLT's block and function order and splitting) shrinks the hot part by packing "
                 "hot instructions into fewer lines.</p>")
        html += charts.img("footprint", chart_footprint(charts.plt, variants, l1i),
                           "code footprint per variant against the simulated L1i size")
    return Part(html, "")


def part_profile(results: dict, charts: Charts) -> Part:
    profile, reason = section(results, "profile")
    if not profile:
        return omitted("Profile", reason)
    html = (f"<h2>Profile</h2><p><code>{escape(profile.get('path') or '—')}</code>: "
            f"{profile['functions']:,} functions, total count {profile['total_count']:,}.</p>")
    lines = [f"### Profile\n\n`{profile.get('path') or '—'}`: {profile['functions']:,} functions, "
             f"{profile['functions_with_counts']:,} with counts"]
    library = profile.get("library_share")
    if library is not None:
        said = (f"The standard library and Boost hold {library * 100:.1f}% of the profile's total count; "
                "the project's own hottest functions follow.")
        html += f"<p>{escape(said)}</p>"
        lines.append(f"\n{said}")
    top = profile.get("top_functions") or []
    if top:
        html += charts.img("hot-functions", chart_hot_functions(charts.plt, profile),
                           "the project's hottest functions by share of the profile's total count")
        rows = [[escape(f"{f['share'] * 100:.2f}%"), escape(f"{f['count']:,}"),
                 f"<code>{escape(f['name'])}</code>"] for f in top[:TOP_FUNCTIONS]]
        html += "<details><summary>Full names</summary>" + html_table(
            ["Share", "Count", "Function"], rows, {0, 1}, cls="functions") + "</details>"
        lines.append("\n" + md_table(["Share", "Function"],
                                     [[f"{f['share'] * 100:.2f}%", md(f["name"])] for f in top[:10]]))
    else:
        html += omitted("Hot functions", "the profile lists no top functions").html
    html += charts.img("coverage", chart_coverage(charts.plt, profile), "functions with and without profile data")
    rows = [[escape(label), fmt_number(n), escape(meaning)] for label, n, meaning in coverage_rows(profile)
            if n is not None]
    html += html_table(["Functions", "Count", "Meaning"], rows, {1}, cls="coverage")
    stale = profile.get("stale_functions")
    if stale:
        lines.append(f"\n⚠️ {stale:,} stale functions: the profile no longer matches their code.")
    return Part(html, "\n".join(lines))


def part_arm64(results: dict, charts: Charts) -> Part:
    arm64, reason = section(results, "arm64")
    if not arm64:
        return omitted("arm64", reason)
    functional = str(arm64.get("functional", "not run"))
    state = "met" if functional == "ok" else "missed"
    html = (f'<h2>arm64</h2><p>Functional check: <span class="badge {state}">{escape(functional)}</span></p>'
            f'<p class="note">{escape(arm64.get("note") or "")}</p>')
    mark = "✅" if functional == "ok" else "❌"
    lines = ["### arm64", "", f"Functional check: {mark} **{md(functional)}**. {md(arm64.get('note') or '')}"]
    dyno = arm64.get("dyno_stats") or {}
    before, after = dyno.get("before") or {}, dyno.get("after") or {}
    if before and after:
        html += charts.img("arm64-dyno-stats", chart_dyno_stats(charts.plt, before, after),
                           "change of BOLT dyno-stats after optimization")
        rows = [[n, fmt_number(before.get(n)), fmt_number(after.get(n)), fmt_change(before.get(n), after.get(n))]
                for n in before]
        html += "<details><summary>All dyno-stats</summary>" + html_table(
            ["Dyno-stat", "Before BOLT", "After BOLT", "Change"], [[escape(c) for c in r] for r in rows],
            {1, 2, 3}, cls="dyno") + "</details>"
        key = [r for r in rows if r[0] in ("taken branches", "taken forward branches", "executed instructions")]
        if key:
            lines += ["", md_table(["Dyno-stat", "Before BOLT", "After BOLT", "Change"],
                                   [[md(c) for c in r] for r in key])]
    else:
        html += omitted("BOLT dyno-stats", "BOLT reported none").html
    size = arm64.get("size") or {}
    if size:
        rows = [[label, fmt_kib((size.get(key) or {}).get("text")), fmt_kib((size.get(key) or {}).get("hot_text"))]
                for label, key in (("before BOLT", "before_bolt"), ("after BOLT", "after_bolt"))]
        html += ('<div class="row">' + charts.img("arm64-size", chart_arm64_size(charts.plt, size), "arm64 code size")
                 + html_table(["Binary", ".text", "hot text"], rows, {1, 2}, cls="size") + "</div>")
    return Part(html, "\n".join(lines))


def part_variants(results: dict) -> Part:
    rows = [[escape(v["name"]), f"<code>{escape(v.get('binary') or '—')}</code>",
             f"<code title=\"{escape(v.get('sha256') or '')}\">{escape((v.get('sha256') or '—')[:16])}</code>"]
            for v in results["variants"]]
    return Part("<h2>Binaries</h2>" + html_table(["Variant", "Binary", "sha256"], rows), "")


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#111827;
 background:#f8fafc;margin:0}
main{max-width:1080px;margin:0 auto;padding:24px 32px 48px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px;padding-bottom:4px;
 border-bottom:1px solid #e5e7eb}
.sub{color:#475569;margin:0 0 12px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{padding:5px 10px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
th .unit{font-weight:400;color:#475569;font-size:12px}
table.meta th{display:none}table.meta td:first-child{color:#475569;width:110px}
table.meta{width:100%}table.meta td{border:none;padding:2px 10px 2px 0}
code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;background:#f1f5f9;padding:1px 4px;border-radius:3px;
 word-break:break-all}
.ratio{font-weight:600;color:#475569}.ratio.better{color:#047857}.ratio.worse{color:#b91c1c}
.ratio.noise{color:#92400e}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:9px;white-space:nowrap}
.badge.met{background:#d1fae5;color:#065f46}.badge.missed{background:#fee2e2;color:#991b1b}
.badge.noise{background:#fef3c7;color:#92400e}
.tag{font-size:11px;color:#475569;border:1px solid #cbd5e1;border-radius:3px;padding:0 4px}
.legend,.note{color:#475569;font-size:12px}
.omitted{color:#475569;background:#f8fafc;border-left:3px solid #cbd5e1;padding:6px 10px}
figure{margin:12px 0}img.chart{max-width:100%;height:auto}
.scroll{overflow-x:auto}table.summary td{line-height:1.3}
.row{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
details summary{cursor:pointer;color:#1d4ed8;margin:4px 0}
footer{margin-top:40px;color:#94a3b8;font-size:12px}
"""


def build_html(parts: list[Part], results: dict) -> str:
    title = f"pgokit benchmark — {results.get('scenario') or ''}"
    body = "\n".join(p.html for p in parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body><main>\n{body}\n"
            f"<footer>Rendered by pgokit from bench.json (schema {SCHEMA}).</footer></main></body></html>\n")


def build(results: dict, plt) -> dict[str, bytes]:
    """Every file of the report, by its path inside the report folder."""
    charts = Charts(plt)
    parts = [part_header(results), part_targets(results), part_summary(results), part_wrk(results, charts),
             part_counts(results, charts), part_profile(results, charts), part_arm64(results, charts),
             part_variants(results)]
    markdown = "\n\n".join(p.markdown for p in parts if p.markdown) + "\n"
    files = {
        "bench.json": (json.dumps(results, indent=2) + "\n").encode(),
        "report.html": build_html(parts, results).encode(),
        "report.md": markdown.encode(),
    }
    files.update({f"charts/{name}": data for name, data in charts.png.items()})
    return files


@contextmanager
def staged_dir(final: Path):
    """A fresh folder beside final to fill; it replaces final when the block
    succeeds and is removed when it fails: final is never half-written."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = fresh_dir(final.with_name(f".{final.name}.{os.getpid()}.tmp"))
    old = final.with_name(f".{final.name}.{os.getpid()}.old")
    try:
        yield tmp
        if final.exists():
            os.replace(final, old)
        try:
            os.replace(tmp, final)
        except BaseException:
            if old.exists():
                os.replace(old, final)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def render(results: dict, out_dir: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Writes bench.json, report.html, report.md and charts/*.png into out_dir,
    replacing it as a whole. Returns the written files by their path inside it."""
    check_schema(results)
    files = build(results, pyplot())
    with staged_dir(out_dir) as tmp:
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
    return {rel: Path(out_dir) / rel for rel in files}


# ---------------------------------------------------------------------------
# The browser check


def screenshot(html: Path, png: Path, *, window: tuple[int, int] = (1280, 2400),
               runner: Runner | None = None) -> Path:
    """Draws html in headless Chromium into png and checks the page really drew:
    Chromium exits 0, the page logs nothing to the console (the report has no
    scripts, so any message is a fault) and the picture is not one flat colour."""
    browser = shutil.which("chromium")
    if not browser:
        raise ToolNotFound("chromium", "chromium")
    html = Path(html).resolve()
    if not html.is_file():
        raise PgokitError(f"no report to draw at {html}")
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    runner = runner or Runner(Console(quiet=True))
    with (tempfile.TemporaryDirectory(prefix="pgokit-chromium-") as profile,
          tempfile.TemporaryDirectory(dir=png.parent, prefix=f".{png.name}.") as staging):
        # Beside png, so it can be renamed into place; Chromium picks the format from the suffix.
        shot = Path(staging) / png.name
        argv = [browser,
                "--headless=new",
                # Root in a container has no user namespace for the sandbox; the page is our own file.
                "--no-sandbox",
                # No GPU in CI or containers; software rendering draws the same picture.
                "--disable-gpu",
                "--hide-scrollbars",
                # A throw-away profile: never the user's, never shared by two runs.
                f"--user-data-dir={profile}",
                "--no-first-run",
                # Console messages go to stderr, where they are checked below.
                "--enable-logging=stderr", "--v=0",
                f"--window-size={window[0]},{window[1]}",
                f"--screenshot={shot}",
                html.as_uri()]
        result = runner.run(argv, check=False)
        log = result.stderr + result.stdout
        if result.returncode != 0 or not shot.exists():
            tail = " | ".join(log.strip().splitlines()[-3:])
            raise PgokitError(f"chromium could not draw {html} (exit code {result.returncode}): {tail}")
        console = [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
        if console:
            raise PgokitError(f"{html} logged to the browser console: {' | '.join(console[:3])}")
        check_not_blank(shot)
        os.replace(shot, png)
    return Path(png)


def check_not_blank(png: Path, min_bytes: int = 10_000, min_inked: float = 0.01) -> None:
    """Raises PgokitError when png is tiny or (nearly) one colour: a page that did not draw."""
    size = png.stat().st_size
    if size < min_bytes:
        raise PgokitError(f"the screenshot is only {size} bytes: the page drew next to nothing")
    pyplot()
    import matplotlib.image
    pixels = matplotlib.image.imread(str(png))[..., :3]
    background = pixels[0, 0]
    inked = (abs(pixels - background).sum(axis=-1) > 0.05).mean()
    if inked < min_inked:
        raise PgokitError(f"the screenshot is blank: {inked:.2%} of it differs from the background")
