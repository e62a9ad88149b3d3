"""report.html renders in headless Chromium: every plot decodes, no console errors, a screenshot."""
import base64
import shutil

import pytest

from pipeline import report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page_with_plots() -> str:
    bars = report._bars({"train": {"critical": 30, "non_critical": 70}, "test": {"critical": 4, "non_critical": 9}}, "t")
    return ("<!doctype html><html><head><meta charset='utf-8'><style>" + report.CSS + "</style></head><body>"
            + report._img(bars, "labels") + report._table(["a", "b"], [[1, 0.5]]) + "</body></html>")


def test_bars_are_real_pngs():
    raw = base64.b64decode(report._bars({"x": {"a": 1}}, "t"))
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 1000


def check_in_chromium(html_path, screenshot_path) -> dict:
    """Open the file headless; return image decode states, console errors and page errors."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        # Debian's Chromium, not a downloaded one; flags keep it off the (closed) network.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html_path.as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])")
        page.screenshot(path=str(screenshot_path), full_page=True)
        browser.close()
    return {"images": images, "errors": errors}


@pytest.mark.e2e  # a browser process
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test / .ci/run install it)")
def test_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(page_with_plots())
    got = check_in_chromium(page, tmp_path / "shot.png")
    assert got["errors"] == []
    assert len(got["images"]) == 1 and all(ok and w > 100 and h > 100 for _, ok, w, h in got["images"])
    assert (tmp_path / "shot.png").read_bytes()[:4] == b"\x89PNG"


def test_a_rejected_models_report_says_why(tmp_path):
    """The gate's reasons reach the page (they once read a key the trainer never wrote)."""
    from common.contracts import GateDecision, TrainMetrics
    from pipeline.config import PipelineConfig

    reasons = ["test macro-F1 0.5000 < threshold 0.6", "test macro-F1 0.5000 < baseline 0.7000"]
    gate = GateDecision(approved=False, min_test_macro_f1=0.6, model_test_macro_f1=0.5, baseline_test_macro_f1=0.7,
                        reasons=reasons)
    test = {"accuracy": 0.8, "macro_f1": 0.5, "per_class": {"critical": {"precision": 0.2, "recall": 0.3, "f1": 0.24}}}
    TrainMetrics(labels=["critical", "non_critical"], validation=test, test=test, baseline={"test": test}, gold=None,
                 gate=gate, approved=False, gate_threshold=0.6).write(str(tmp_path / "metrics.json"))
    page = report.build_report(PipelineConfig(), {"train": {"output_dir": str(tmp_path)}})
    assert "approved: <b>False</b> (gate: test macro-F1 &ge; 0.6 and &ge; baseline)" in page
    assert ("<p class='warn'>not approved because test macro-F1 0.5000 &lt; threshold 0.6; "
            "test macro-F1 0.5000 &lt; baseline 0.7000</p>") in page
