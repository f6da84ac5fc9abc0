"""`newsflow report OUT` writes a self-contained page whose charts render in
headless Chromium: the DOM has the chart elements, and a screenshot shows
the bars."""

import io
import json
import pathlib
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
from PIL import Image

from conftest import run_newsflow

CHROMIUM = pathlib.Path("/usr/bin/chromium")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BAR_RGB = (0x3B, 0x6E, 0xA8)  # `svg .bar` fill in report.rs


def chromium(profile, *args):
    """Runs headless Chromium with a throwaway profile; returns its stdout."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"headless Chromium is needed at {CHROMIUM} to render report.html: "
            "run `apt-get install chromium`"
        )
    result = subprocess.run(
        [str(CHROMIUM), *HEADLESS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class ChartElements(HTMLParser):
    """Collects, per `<svg id=...>`, the classes of its `<rect>` elements,
    and every element id."""

    def __init__(self):
        super().__init__()
        self.svg = None
        self.rects = {}
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "svg":
            self.svg = attrs.get("id")
            self.rects.setdefault(self.svg, [])
        elif tag == "rect" and self.svg is not None:
            self.rects[self.svg].append(attrs.get("class"))

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = None


@pytest.fixture(scope="module")
def report(out_dir):
    run_newsflow("report", str(out_dir), "--quiet")
    return out_dir / "report.html"


@pytest.fixture(scope="module")
def documents(out_dir):
    return pd.read_parquet(out_dir / "documents.parquet")


def test_report_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "<style>" in html
    urls = html.count("http://") + html.count("https://")
    assert urls == html.count('xmlns="http://www.w3.org/2000/svg"'), "no fetched resource"


def test_charts_are_in_the_rendered_dom(report, documents, out_dir, tmp_path):
    dom = chromium(tmp_path / "profile", "--dump-dom", report.as_uri())
    charts = ChartElements()
    charts.feed(dom)

    topics = documents.explode("topics")["topics"].dropna().nunique()
    assert topics > 0
    assert charts.rects["topic-chart"].count("bar") == topics

    years = documents["published_year"].dropna()
    no_year = int(documents["published_year"].isna().sum())
    span = int(years.max() - years.min() + 1) if len(years) else 0
    assert charts.rects["timeline"].count("bar") == span
    assert charts.rects["timeline"].count("bar-unknown") == (1 if no_year else 0)
    assert f"{no_year} of {len(documents)} documents state no year" in dom

    assert {"top-persons", "top-countries", "top-orgs", "noise-table"} <= charts.ids
    top_person = documents.explode("persons")["persons"].value_counts().index[0]
    assert f"<td>{top_person}</td>" in dom
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert f'<div class="n">{manifest["documents"]}</div>' in dom
    assert ("rejects-table" in charts.ids) == (manifest["rejects"] > 0)


def test_screenshot_shows_the_bars(report, tmp_path):
    png = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={png}", "--window-size=1200,2000", report.as_uri())
    data = png.read_bytes()
    assert len(data) > 20_000, f"screenshot of {len(data)} bytes is suspiciously small"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (1200, 2000)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "the screenshot is nearly a single colour"
    # The bars are painted: plenty of pixels of the bar colour.
    bar_pixels = sum(n for n, rgb in colours if all(abs(a - b) <= 4 for a, b in zip(rgb, BAR_RGB)))
    assert bar_pixels > 2_000, f"only {bar_pixels} pixels of bar colour"
