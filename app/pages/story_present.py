"""What each story shows in presenter mode (static/js/present.js reads it from the page as JSON): the panels
that make its claim (named by their plot's element id; two side by side where the claim is a comparison), the
controls that demonstrate it (the first moves with the left and right arrows, the second with up and down),
a step for the arrows where the slider's own is too fine for a lecture hall, two presets on the keys 1 and 2
(a before and an after, set through the page's inputs) and the number the page writes beside its figures
that says the claim in one figure (CSS selectors; a <dd> is shown with its <dt>)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """A state of the story's controls, named in both languages."""

    en: str
    zh: str
    values: dict[str, str]


@dataclass(frozen=True)
class Key:
    """A number the page writes beside its figures: the text of `sel` (a <dd> with its <dt>), or, with a label,
    one number picked from it: the `pick`-th (0 first), or the first percentage ("percent")."""

    sel: str
    en: str = ""
    zh: str = ""
    pick: int | str | None = None

    def data(self, lang: str) -> dict[str, object]:
        return {"sel": self.sel, "label": self.zh if lang == "zh" else self.en, "pick": self.pick}


@dataclass(frozen=True)
class Presentation:
    panels: tuple[str, ...]  # plot element ids, most important first
    controls: tuple[str, ...]  # field names: first ← →, second ↑ ↓
    presets: tuple[Preset, Preset]
    key: tuple[Key | str, ...]  # the numbers shown in large type (a bare string: a selector)
    steps: dict[str, float] = field(default_factory=dict)  # arrow step per control, where not the input's own
    run: bool = False  # the training lab: a preset starts a run, R starts one

    def data(self, lang: str) -> dict[str, object]:
        """As the page reads it (JSON), preset names in the page's language."""
        return {
            "panels": list(self.panels),
            "controls": list(self.controls),
            "steps": self.steps,
            "presets": [{"name": p.zh if lang == "zh" else p.en, "values": p.values} for p in self.presets],
            "key": [(k if isinstance(k, Key) else Key(k)).data(lang) for k in self.key],
            "run": self.run,
        }


def _p(en: str, zh: str, **values: object) -> Preset:
    return Preset(en, zh, {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()})


def _same(text: str, **values: object) -> Preset:
    """A preset whose name is a formula, the same in both languages."""
    return _p(text, text, **values)


_SUMMARY = "#summary dl dd:nth-of-type({})".format
# The cliff's longest steps: the runs' rows say "E 0.09; longest step 952.6" (no clipping first, norm clipping second).
_PLAIN_STEP = Key(_SUMMARY(1), "longest step, no clipping", "最长一步，不裁剪", 1)
_NORM_STEP = Key(_SUMMARY(2), "longest step, norm clipping", "最长一步，按范数裁剪", 1)
_CLIFF_PANELS = ("plot-loss", "plot-steps")

PRESENTATIONS: dict[str, Presentation] = {
    "c1": Presentation(
        ("plot-factors", "plot-compound"),
        ("weight", "steps"),
        (_same("w = 0.99", weight=0.99), _same("w = 1.01", weight=1.01)),
        (_SUMMARY(3),),
        steps={"steps": 10},
    ),
    "c2": Presentation(
        ("plot-factors", "plot-activation"),
        ("weight", "bias"),
        (_same("w = 3.9, b = 0", weight=3.9, bias=0), _same("w = 6, b = −3", weight=6, bias=-3)),
        (_SUMMARY(2), _SUMMARY(3)),
        steps={"weight": 0.1},
    ),
    "c3": Presentation(
        ("plot-decay",),
        ("scale", "steps"),
        (_same("γ‖W‖₂ < 1: scale 0.45", scale=0.45), _same("γ‖W‖₂ > 1: scale 1.5", scale=1.5)),
        (_SUMMARY(4),),
        steps={"scale": 0.05},
    ),
    "c4": Presentation(
        ("plot-activation", "plot-decay"),
        ("input_scale", "scale"),
        (
            _p("input scale 6: saturated", "输入尺度 6：饱和", input_scale=6),
            _p("input scale 0.5: in the middle", "输入尺度 0.5：回到中间", input_scale=0.5),
        ),
        (Key("#activation-note", "φ′ ≈ 0", "φ′ ≈ 0", "percent"),),
        steps={"input_scale": 0.5, "scale": 0.05},
    ),
    "c5": Presentation(
        ("plot-grads",),
        ("layers", "activation"),
        (_p("5 layers", "5 层", layers=5), _p("30 layers", "30 层", layers=30)),
        (_SUMMARY(3),),
        steps={"layers": 5},
    ),
    "c6": Presentation(
        ("plot-nearfar", "plot-decay"),
        ("scale", "steps"),
        (_same("scale 0.8", scale=0.8), _same("scale 1.5", scale=1.5)),
        (Key("#nearfar-note", "far share (δ ≥ 10)", "远处占比（δ ≥ 10）", "percent"),),
        steps={"scale": 0.05, "steps": 10},
    ),
    "c7": Presentation(
        _CLIFF_PANELS,
        ("lr", "threshold"),
        (
            _p("start at the wall", "起点在墙边", w0=4.75, b0=-2.457),
            _p("start on the plain", "起点在平原上", w0=4.75, b0=-2.3),
        ),
        (_PLAIN_STEP, _NORM_STEP),
        steps={"lr": 0.1, "threshold": 0.1},
    ),
    "c8": Presentation(
        ("plot-steps", "plot-curves"),
        ("threshold", "lr"),
        (_same("v = 0.3", threshold=0.3), _same("v = 10", threshold=10)),
        (_PLAIN_STEP, _NORM_STEP),
        steps={"threshold": 0.1, "lr": 0.1},
    ),
    "c9": Presentation(
        ("plot-loss", "plot-grad"),
        ("threshold", "lr"),
        (
            _p("start at the wall", "起点在墙边", w0=4.75, b0=-2.457),
            _p("start on the plain", "起点在平原上", w0=4.75, b0=-2.3),
        ),
        (_PLAIN_STEP, _NORM_STEP),
        steps={"threshold": 0.1, "lr": 0.1},
    ),
    "c10": Presentation(
        ("plot-cell", "plot-decay"),
        ("forget_bias", "steps"),
        (_same("b_f = 0", forget_bias=0), _same("b_f = 3", forget_bias=3)),
        (_SUMMARY(1), _SUMMARY(2)),
        steps={"forget_bias": 0.5, "steps": 10},
    ),
    "c11": Presentation(
        ("plot-loss", "plot-heat"),
        ("forget_bias", "lag"),
        (_same("b_f = 0", forget_bias=0), _same("b_f = 3", forget_bias=3)),
        (_SUMMARY(1), "#summary > p"),
        steps={"lag": 5},
        run=True,
    ),
    "c12": Presentation(
        ("plot-decay", "plot-pairs"),
        ("peephole", "coupled"),
        (
            _p("LSTM, plain gates", "LSTM，普通的门", peephole=False, coupled=False),
            _p("LSTM with peepholes, coupled gates", "LSTM，带窥视孔、耦合门", peephole=True, coupled=True),
        ),
        ("#summary dl:nth-of-type(2) dd:nth-of-type(2)", "#summary dl:nth-of-type(3) dd:nth-of-type(2)"),
    ),
    "c13": Presentation(
        ("plot-grads",),
        ("init", "activation"),
        (
            _p("ReLU, He init", "ReLU，He 初始化", init="he"),
            _p("ReLU, N(0, 0.01²) init", "ReLU，N(0, 0.01²) 初始化", init="small"),
        ),
        (_SUMMARY(1), _SUMMARY(3)),
    ),
    "c14": Presentation(
        ("plot-dead", "plot-grads"),
        ("activation", "init"),
        (_same("ReLU", activation="relu"), _p("leaky ReLU", "leaky ReLU（泄漏 ReLU）", activation="leaky_relu")),
        (_SUMMARY(5),),
    ),
    "c15": Presentation(
        ("plot-loss", "plot-grad"),
        ("optimizer", "lr"),
        (_same("SGD", optimizer="sgd"), _same("Adam", optimizer="adam")),
        (_SUMMARY(1), "#summary > p"),
        steps={"lr": 0.005},
        run=True,
    ),
    "c16": Presentation(
        ("plot-far", "plot-loss"),
        ("reg_weight", "lag"),
        (_same("λ = 0", reg_weight=0), _same("λ = 2", reg_weight=2)),
        (_SUMMARY(5), "#summary > p"),
        steps={"reg_weight": 0.5, "lag": 5},
        run=True,
    ),
}
