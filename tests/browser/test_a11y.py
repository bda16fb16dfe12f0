"""axe-core (vendored from npm under tests/vendor) on every page, at desktop and phone width: no serious or
critical violation. Also the keyboard: every control is reachable with Tab and shows a visible focus ring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

AXE = next((Path(__file__).parent.parent / "vendor").glob("axe-core-*/axe.min.js"))

PAGES = [
    "/",
    "/?model=compare",
    "/scalar",
    "/feedforward",
    "/cliff",
    "/train",
    "/stories",
    "/embed?view=recurrent",
    "/?story=c10",
    "/feedforward?story=c5&lang=zh",
    "/cliff?lang=zh",
    "/?present=1",
    "/cliff?story=c8&present=1",
]
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}

# The whole document is checked, Plotly's markup included: the plots are role="figure" (not "img", whose
# children are presentational and may not hold the modebar's buttons).
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ")) }));
}"""


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """The app sends a strict script-src; the test injects axe-core as an outside script, so CSP is bypassed."""
    return {**browser_context_args, "bypass_csp": True}


def settle(page: Page) -> None:
    """Waits until the page's figures are drawn (the training lab draws only when a run starts)."""
    if page.locator("#plots").count() and not page.locator("#start").count():
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_violation(
    page: Page, live_server: str, console: list[str], path: str, width: str
) -> None:
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{live_server}{path}")
    settle(page)
    page.add_script_tag(path=AXE)
    violations = page.evaluate(RUN_AXE)
    assert violations == [], f"{path} at {width}: {violations}"


@pytest.mark.parametrize("path", ["/", "/scalar", "/feedforward", "/cliff", "/train"])
def test_every_control_is_reachable_by_tab_with_a_visible_focus_ring(
    page: Page, live_server: str, console: list[str], path: str
) -> None:
    page.goto(f"{live_server}{path}")
    settle(page)
    controls = page.evaluate(
        """() => [...document.querySelectorAll('#controls input, #controls select, #controls button')]
            .filter((el) => el.offsetParent !== null && !el.disabled).map((el) => el.id || el.name + ':' + el.value)"""
    )
    assert controls, path
    reached: set[str] = set()
    for _ in range(len(controls) + 40):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return { key: el.id || el.name + ':' + el.value, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                       color: style.outlineColor, inControls: !!el.closest('#controls') };
            }"""
        )
        if info["inControls"]:
            reached.add(info["key"])
            assert info["outline"] != "none" and info["width"] >= 2, (
                f"{info['key']} on {path}: no visible focus ring {info}"
            )
            assert contrast(info["color"], "rgb(255, 255, 255)") >= 3, (
                f"{info['key']} on {path}: focus ring {info['color']}"
            )
    # Radio groups take one Tab stop: the checked radio stands for its group.
    missing = [c for c in controls if c not in reached and not c.startswith("model:")]
    assert missing == [], f"not reachable by Tab on {path}: {missing}"


def _luminance(rgb: str) -> float:
    parts = [float(p) for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
