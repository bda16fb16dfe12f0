"""The models' line colours stay apart for viewers with a colour-vision deficiency: simulated protanopia,
deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009, severity 1) leave every pair of the lines
drawn together at least 15 CIELAB units apart. The page draws the figures of app.figures: these colours."""

from __future__ import annotations

import itertools
import math

from app.figures.style import COLORS

MACHADO = {
    "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
# Lines that share the decay plot: the three models, the bound and the reference lines.
TOGETHER = ("rnn", "lstm", "gru", "bound", "ref", "ref_lstm", "ref_gru")


def _linear(hex_colour: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(hex_colour[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x, y, z = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.9505,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.089,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(hex_colour: str, kind: str) -> tuple[float, float, float]:
    rgb = _linear(hex_colour)
    return _lab([min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in MACHADO[kind]])


def test_lines_drawn_together_differ_under_every_colour_vision_deficiency() -> None:
    close = [
        (kind, a, b, round(math.dist(_seen(COLORS[a], kind), _seen(COLORS[b], kind)), 1))
        for kind in MACHADO
        for a, b in itertools.combinations(TOGETHER, 2)
        if math.dist(_seen(COLORS[a], kind), _seen(COLORS[b], kind)) < 15
    ]
    assert close == []
