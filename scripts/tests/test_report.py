"""The benchmark report: files, escaping, noise flags, left-out sections,
all-or-nothing writes, and a real headless Chromium drawing the page."""

import json
import os
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest

from pgokit_cli import report
from pgokit_cli.errors import PgokitError, ToolNotFound

SAMPLE = Path(__file__).resolve().parent / "data" / "bench-sample.json"
CHARTS = ["throughput", "latency", "counts", "footprint", "hot-functions", "coverage", "arm64-dyno-stats", "arm64-size"]


@pytest.fixture
def sample() -> dict:
    return json.loads(SAMPLE.read_text())


def variant(results: dict, name: str) -> dict:
    return next(v for v in results["variants"] if v["name"] == name)


def html_row(html: str, name_cell: str) -> str:
    """The summary table's <tr> whose first cell is name_cell."""
    return next(row.split("</tr>")[0] for row in html.split("<tr>") if row.startswith(f"<td>{name_cell}"))


def md_row(markdown: str, name: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {name} "))


def test_render_writes_data_html_markdown_and_charts(sample, tmp_path):
    out = tmp_path / "report"
    files = report.render(sample, out)
    expected = {"bench.json", "report.html", "report.md"} | {f"charts/{c}.png" for c in CHARTS}
    assert set(files) == expected
    assert all(files[rel] == out / rel and files[rel].stat().st_size > 0 for rel in expected)
    assert json.loads((out / "bench.json").read_text()) == sample
    for chart in CHARTS:
        assert (out / "charts" / f"{chart}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert [p.name for p in tmp_path.iterdir()] == ["report"], "the staging folder was left behind"


def test_html_is_self_contained_and_embeds_every_chart(sample, tmp_path):
    html = (report.render(sample, tmp_path / "r")["report.html"]).read_text()
    for chart in CHARTS:
        assert re.search(rf'<img class="chart" id="chart-{chart}" [^>]*src="data:image/png;base64,', html), chart
    assert "<script" not in html
    assert not re.search(r"""(src|href)=(?!["']?data:)""", html), "the page refers to an outside resource"
    assert "<style>" in html and "<link" not in html
    assert "1 of 4 targets met" in html and "missed" in html
    assert "Intel(R) Xeon(R) CPU @ 2.20GHz" in html and "scripts/pgokit bench --scenario mixed" in html
    assert "1.33×" in html  # PGO+ThinLTO+BOLT throughput vs the baseline


def test_markdown_has_targets_and_summary_with_ratios(sample, tmp_path):
    markdown = report.render(sample, tmp_path / "r")["report.md"].read_text()
    assert "### Targets" in markdown and "❌ missed" in markdown
    row = md_row(markdown, "PGO+ThinLTO+BOLT")
    assert "54,870 (1.33×)" in row and "187.3 (0.31×)" in row
    assert md_row(markdown, "clang -O2 (baseline)")


def test_names_are_escaped_in_html_and_markdown(sample, tmp_path):
    sample["profile"]["top_functions"][0]["name"] = '<script>alert("x")</script> & std::vector<int>::at'
    variant(sample, "PGO+ThinLTO")["name"] = "PGO & <LTO>"
    files = report.render(sample, tmp_path / "r")
    html, markdown = files["report.html"].read_text(), files["report.md"].read_text()
    assert "<script>" not in html and "<LTO>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; std::vector&lt;int&gt;::at" in html
    assert "PGO &amp; &lt;LTO&gt;" in html
    assert "OrderStore::list(std::optional&lt;pgokit::OrderStatus&gt;, unsigned long" in html
    assert "<script>" not in markdown and "<LTO>" not in markdown
    assert "PGO &amp; &lt;LTO&gt;" in markdown
    assert "OrderStore::list(std::optional&lt;pgokit::OrderStatus&gt;, unsigned long" in markdown


def test_difference_smaller_than_the_spread_is_flagged_within_noise(sample, tmp_path):
    for v in sample["variants"]:
        v["latency_ms"] = None
    # 1.8k req/s faster than the baseline, but its rounds spread over 5k.
    variant(sample, "PGO+ThinLTO")["throughput"] = {"rounds": [41000.0, 46000.0, 43000.0],
                                                    "median": 43000.0, "min": 41000.0, "max": 46000.0}
    files = report.render(sample, tmp_path / "r")
    html, markdown = files["report.html"].read_text(), files["report.md"].read_text()
    assert "within noise" in html_row(html, "PGO+ThinLTO</td>")
    assert "within noise" not in html_row(html, "PGO+ThinLTO+BOLT")
    assert "within noise" in md_row(markdown, "PGO+ThinLTO")
    assert "within noise" not in md_row(markdown, "PGO+ThinLTO+BOLT")


def test_a_noisy_baseline_makes_a_small_difference_noise(sample):
    baseline = variant(sample, "clang -O2")
    # 12k req/s between its slowest and fastest rounds: more than the 10.9k the variant gains.
    baseline["throughput"] = {"rounds": [36000.0, 41210.0, 48000.0], "median": 41210.0, "min": 36000.0,
                              "max": 48000.0}
    cell = report.compare(variant(sample, "PGO+ThinLTO"), baseline, report.THROUGHPUT)
    assert cell.noisy and cell.better and cell.ratio == pytest.approx(52105.4 / 41210.0)
    counts = report.compare(variant(sample, "PGO+ThinLTO"), baseline, report.INSTRUCTIONS)
    assert not counts.noisy and counts.better, "valgrind counts are deterministic"


def test_absent_sections_are_left_out_with_their_reason(sample, tmp_path):
    reasons = {"wrk": "wrk is not installed", "counts": "valgrind is not installed",
               "profile": "no merged profile for x86_64", "arm64": "no arm64 build: run make pgo-arm64"}
    for key, reason in reasons.items():
        sample[key] = {"skipped": reason}
    for v in sample["variants"]:
        v.update(throughput=None, latency_ms=None, errors=None, counts=None)
    sample["targets"] = []
    files = report.render(sample, tmp_path / "r")
    assert set(files) == {"bench.json", "report.html", "report.md"}
    html, markdown = files["report.html"].read_text(), files["report.md"].read_text()
    for reason in [*reasons.values(), "none were set"]:
        assert reason in html and report.md(reason) in markdown
    assert "<img" not in html
    assert "1,448 KiB" in html_row(html, "clang -O2"), "the sizes are still summarised"
    assert not (tmp_path / "r" / "charts").exists()


def test_a_variant_without_figures_is_a_dash(sample, tmp_path):
    del sample["arm64"]
    bolt = variant(sample, "PGO+ThinLTO+BOLT")
    bolt.update(throughput=None, latency_ms=None, counts=None, sha256=None)
    files = report.render(sample, tmp_path / "r")
    html = files["report.html"].read_text()
    assert html_row(html, "PGO+ThinLTO+BOLT").count("<td class=num>—</td>") == 6
    assert "the results have no &#x27;arm64&#x27; section" in html
    assert "charts/throughput.png" in files and "charts/arm64-size.png" not in files


def test_failed_arm64_functional_check_is_visible(sample, tmp_path):
    sample["arm64"]["functional"] = "failed: the server exited with SIGILL"
    files = report.render(sample, tmp_path / "r")
    assert '<span class="badge missed">failed: the server exited with SIGILL</span>' in files["report.html"].read_text()
    assert "❌ **failed: the server exited with SIGILL**" in files["report.md"].read_text()


def test_failed_render_keeps_the_previous_report(sample, tmp_path, monkeypatch):
    out = tmp_path / "report"
    report.render(sample, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*_):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(report, "chart_coverage", broken)
    sample["scenario"] = "changed"
    with pytest.raises(RuntimeError, match="chart failed"):
        report.render(sample, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_staged_folder_is_dropped_when_writing_fails(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").write_text("old")
    with pytest.raises(OSError):
        with report.staged_dir(out) as tmp:
            (tmp / "report.html").write_text("new")
            raise OSError("disk full")
    assert (out / "report.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_unknown_schema_and_unknown_baseline_are_refused(sample, tmp_path):
    with pytest.raises(PgokitError, match="schema 2; this pgokit renders schema 1"):
        report.render({**sample, "schema": 2}, tmp_path / "r")
    with pytest.raises(PgokitError, match="the baseline 'gcc -O3' is not one of the variants"):
        report.render({**sample, "baseline": "gcc -O3"}, tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_missing_matplotlib_names_the_debian_package(sample, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ToolNotFound) as error:
        report.render(sample, tmp_path / "r")
    assert "apt-get install python3-matplotlib" in error.value.format_message()
    assert not (tmp_path / "r").exists()


def test_cli_start_does_not_import_matplotlib():
    scripts = Path(__file__).resolve().parents[1]
    code = "import sys, pgokit_cli.cli, pgokit_cli.report; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(scripts)})


@pytest.mark.parametrize("name, limit, short", [
    ("pgokit::OrderStore::find(unsigned long) const", 60, "pgokit::OrderStore::find(unsigned long) const"),
    ("bool boost::json::serializer::write_string<true>(boost::json::detail::stream&)", 60,
     "bool boost::json::serializer::write_string<…>(…)"),
    ("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char>>::_M_data() const", 50,
     "std::__cxx11::basic_string<…>::_M_data() const"),
    ("std::operator<<(std::ostream&, std::vector<int, std::allocator<int>> const&)", 40,
     "std::operator<<(…)"),
    ("a::very::long::nested::namespace::chain::that::goes::on::and::on::func(int)", 30,
     "…::goes::on::and::on::func(…)"),
    ("x" * 80, 20, "x" * 19 + "…"),
])
def test_short_name_keeps_what_names_the_function(name, limit, short):
    assert report.short_name(name, limit) == short
    assert len(report.short_name(name, limit)) <= limit


# ---------------------------------------------------------------------------
# Headless Chromium


@pytest.fixture
def chromium():
    """Chromium, or a skip on a workstation without it; under CI its absence fails."""
    path = shutil.which("chromium")
    if not path:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail("chromium is not installed but CI is set: the report must be checked in a browser")
        pytest.skip("needs chromium (make setup)")
    return path


def test_report_draws_in_chromium(chromium, sample, tmp_path):
    files = report.render(sample, tmp_path / "r")
    png = tmp_path / "shots" / "report.png"
    assert report.screenshot(files["report.html"], png) == png
    assert png.stat().st_size > 50_000
    assert [p.name for p in png.parent.iterdir()] == ["report.png"]
    import matplotlib.image
    pixels = (matplotlib.image.imread(str(png))[..., :3] * 255).round()
    colours = {tuple(int(c) for c in px) for px in pixels[::7, ::7].reshape(-1, 3)}
    assert len(colours) > 50, "the page is (nearly) one colour"
    # The charts' variant blue shows only if the embedded PNGs decoded.
    accent = [int(report.ACCENT[i:i + 2], 16) for i in (1, 3, 5)]
    blue = (abs(pixels - accent).sum(axis=-1) < 12).mean()
    assert blue > 0.005, f"only {blue:.3%} of the page is chart blue: did the charts load?"


def test_screenshot_catches_a_blank_page(chromium, tmp_path):
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body style='background:#fff'></body></html>")
    with pytest.raises(PgokitError, match="drew next to nothing|blank"):
        report.screenshot(page, tmp_path / "blank.png")
    assert not (tmp_path / "blank.png").exists()


def test_screenshot_catches_console_errors(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><h1>report</h1><script>notDefined();</script></body></html>")
    with pytest.raises(PgokitError, match="logged to the browser console: .*notDefined"):
        report.screenshot(page, tmp_path / "broken.png")


def test_screenshot_needs_chromium(tmp_path, monkeypatch):
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    with pytest.raises(ToolNotFound, match="chromium not found"):
        report.screenshot(tmp_path / "report.html", tmp_path / "report.png")


def test_profile_part_says_how_much_is_library_code(sample, tmp_path):
    files = report.render(sample, tmp_path / "r")
    said = "The standard library and Boost hold 85.0% of the profile's total count"
    assert escape(said) in files["report.html"].read_text() and said in files["report.md"].read_text()
    del sample["profile"]["library_share"]  # results from before the split still render
    assert "Boost hold" not in report.render(sample, tmp_path / "old")["report.md"].read_text()
