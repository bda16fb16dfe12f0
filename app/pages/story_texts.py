"""The stories' words: a title, two to four sentences and a formula (KaTeX) per claim, in English and Chinese."""

from __future__ import annotations

from typing import TypedDict


class Words(TypedDict):
    title: str
    text: str


class StoryText(TypedDict):
    formula: str
    en: Words
    zh: Words


TEXTS: dict[str, StoryText] = {
    "c1": {
        "formula": r"0.99^{365} \approx 0.026 \qquad 1.01^{365} \approx 37.8",
        "en": {
            "title": "Many small factors: 0.99³⁶⁵ against 1.01³⁶⁵",
            "text": "Backpropagation through time multiplies one factor per step. A factor of 0.99 repeated 365 times "
            "leaves 2.6 % of the signal; 1.01 repeated as often multiplies it by 37.8. The same small distance "
            "from 1, compounded, makes a gradient vanish or explode exponentially in the number of steps.",
        },
        "zh": {
            "title": "许多微小的因子：0.99³⁶⁵ 与 1.01³⁶⁵",
            "text": "随时间反向传播每经过一个时间步就乘上一个因子。0.99 连乘 365 次，信号只剩下 2.6%；"
            "1.01 连乘同样多次，信号放大到 37.8 倍。与 1 只差一点点，累积起来就让梯度随步数呈指数式地消失或爆炸。",
        },
    },
    "c2": {
        "formula": r"\left|\frac{\partial h_t}{\partial h_{t-1}}\right| = |w|\,\sigma'(a_t) \le \frac{|w|}{4}",
        "en": {
            "title": "Sigmoid's derivative is at most 1/4",
            "text": "Each factor is w σ′(a_t), and σ′ never exceeds 1/4 (tanh′ never exceeds 1). With a sigmoid unit "
            "and |w| < 4 every factor is below 1, so every long product vanishes, whatever the bias, the input or "
            "the start. Push w past 4 and factors above 1 become possible: the product can explode.",
        },
        "zh": {
            "title": "sigmoid 的导数至多为 1/4",
            "text": "每一步的因子是 w σ′(a_t)，而 σ′ 最大只有 1/4（tanh′ 最大为 1）。对 sigmoid 单元，只要 |w| < 4，"
            "每个因子都小于 1，无论偏置、输入和初始状态如何，长乘积都必然消失。把 w 调到 4 以上，因子才可能大于 1，"
            "乘积才可能爆炸。",
        },
    },
    "c3": {
        "formula": r"\left\|\frac{\partial h_t}{\partial h_{t-1}}\right\|_2 = \left\|\operatorname{diag}(\phi'(a_t))\,W\right\|_2"
        r" \le \gamma\,\|W\|_2",
        "en": {
            "title": "The Jacobian's bound: γ‖W‖₂",
            "text": "The step Jacobian diag(φ′)W has norm at most γ‖W‖₂, with γ = sup φ′. When γ‖W‖₂ < 1 vanishing is "
            "certain: the dashed bound falls and the curve stays under it (Pascanu, Mikolov & Bengio 2013). Above 1 "
            "exploding becomes possible, not certain: raise the weight scale and compare the curve with the bound.",
        },
        "zh": {
            "title": "雅可比矩阵的上界：γ‖W‖₂",
            "text": "单步雅可比矩阵 diag(φ′)W 的范数不超过 γ‖W‖₂，其中 γ = sup φ′。γ‖W‖₂ < 1 时梯度必然消失："
            "虚线上界一路下降，曲线始终在它下方（Pascanu、Mikolov 与 Bengio，2013）。大于 1 时梯度只是“可能”爆炸，"
            "并非一定：调大权重尺度，对比曲线和上界。",
        },
    },
    "c4": {
        "formula": r"\tanh'(a) = 1 - \tanh^2(a) \approx 4\,e^{-2|a|} \quad (|a| \gg 1)",
        "en": {
            "title": "Saturation: units in the flat tails pass no gradient",
            "text": "Large inputs or weights push tanh and sigmoid units into their flat tails, where φ′ ≈ 0. The "
            "saturation panel shows this run's pre-activations on φ′: many sit where the derivative is nearly zero, "
            "and the gradient through them dies. Lower the input scale and watch them move back to the middle.",
        },
        "zh": {
            "title": "饱和：落在平坦尾部的单元不再传递梯度",
            "text": "过大的输入或权重会把 tanh 和 sigmoid 单元推进平坦的尾部，那里 φ′ ≈ 0。饱和面板把这次运行的预激活值"
            "画在 φ′ 上：许多单元落在导数几乎为零的地方，经过它们的梯度随之消失。把输入尺度调小，看它们回到中间。",
        },
    },
    "c5": {
        "formula": r"\frac{\partial E}{\partial h_0} = \frac{\partial E}{\partial h_L}\prod_{l=L}^{1}\operatorname{diag}(\phi'(a_l))\,W_l",
        "en": {
            "title": "Depth in time is depth in layers",
            "text": "Unrolled over T steps, an RNN is a T-layer network whose layers share one W. A deep feed-forward "
            "net multiplies the same kind of Jacobians, one per layer: with sigmoid units the layers near the input "
            "receive a gradient many orders of magnitude smaller than the last layer, and learn slowest.",
        },
        "zh": {
            "title": "时间上的深度就是层数上的深度",
            "text": "把 RNN 沿 T 个时间步展开，就是一个 T 层、各层共享同一个 W 的网络。深层前馈网络乘的是同一类雅可比矩阵，"
            "每层一个：用 sigmoid 时，靠近输入的层收到的梯度比最后一层小许多个数量级，学得最慢。",
        },
    },
    "c6": {
        "formula": r"\frac{\partial E}{\partial W} = \sum_{\delta=0}^{T-1} S_\delta",
        "en": {
            "title": "The total gradient does not vanish: its far part does",
            "text": "∂E/∂W is a sum of terms, one per distance δ = t − k between a loss and the step it reaches. "
            "The near terms dominate: the total stays healthy while distances of 10 or more carry under 1 % of it. "
            "Vanishing means that long-range dependencies get almost no say in the update, not that learning stops.",
        },
        "zh": {
            "title": "总梯度并没有消失，消失的是远处的部分",
            "text": "∂E/∂W 是许多项之和，每一项对应损失与它回传到的时间步之间的距离 δ = t − k。近处的项占主导："
            "总梯度依然正常，而距离 10 以上的项合起来还不到 1%。所谓梯度消失，是指长期依赖在更新中几乎没有发言权，"
            "而不是学习停止了。",
        },
    },
    "c7": {
        "formula": r"\|g\| \gg 1 \;\Rightarrow\; \Delta\theta = -\eta\, g \text{ is huge}",
        "en": {
            "title": "Exploding gradients are loud; vanishing ones are silent",
            "text": "An exploding gradient shows itself: a huge step, a loss that jumps, Inf or NaN. Here plain gradient "
            "descent meets the wall of the loss surface and is thrown far away in one step. A vanishing gradient "
            "gives no such signal: training simply stops improving on long-range structure.",
        },
        "zh": {
            "title": "梯度爆炸很显眼，梯度消失却悄无声息",
            "text": "梯度爆炸会自己暴露出来：步长巨大、损失骤变，甚至出现 Inf 或 NaN。这里普通的梯度下降撞上损失曲面上的"
            "“墙”，一步就被甩到远处。梯度消失则没有任何征兆：模型只是在长程结构上再也学不到东西。",
        },
    },
    "c8": {
        "formula": r"g \leftarrow \frac{v}{\|g\|}\, g \quad \text{if } \|g\| > v",
        "en": {
            "title": "Gradient clipping",
            "text": "Norm clipping rescales g to length v whenever ‖g‖ > v: the direction is kept and the step is "
            "bounded (Pascanu et al. 2013). Element-wise clipping (Mikolov 2012) caps each component instead and "
            "can turn the direction. When the gradient is Inf or NaN, a random step of size v lets the run escape.",
        },
        "zh": {
            "title": "梯度裁剪",
            "text": "按范数裁剪：一旦 ‖g‖ > v，就把 g 缩放到长度 v，方向不变、步长有界（Pascanu 等，2013）。"
            "逐元素裁剪（Mikolov，2012）则分别截断每个分量，可能改变方向。梯度为 Inf 或 NaN 时，"
            "沿随机方向走一步长度为 v 的步子就能脱困。",
        },
    },
    "c9": {
        "formula": r"x_t = w\,\sigma(x_{t-1}) + b, \qquad E = \left(\sigma(x_{T}) - 0.7\right)^2",
        "en": {
            "title": "Cliffs in the loss surface",
            "text": "This recurrent net has only two parameters, w and b, yet its loss has flat plateaus separated by "
            "a steep wall where the gradient is enormous. Click a start point near the wall: without clipping one "
            "step throws the parameters far away; with clipping they step down the wall gently.",
        },
        "zh": {
            "title": "损失曲面上的悬崖",
            "text": "这个循环网络只有 w 和 b 两个参数，它的损失曲面却由平坦的高原和一堵陡峭的“墙”组成，墙上的梯度极大。"
            "在墙附近点一个起点：不裁剪时，一步就把参数甩到远处；裁剪后，参数沿着墙平稳地走下来。",
        },
    },
    "c10": {
        "formula": r"c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad \frac{\partial c_t}{\partial c_{t-1}}\Big|_{\text{cell}}"
        r" = \operatorname{diag}(f_t)",
        "en": {
            "title": "The LSTM's cell state is a conveyor belt",
            "text": "Along the cell state the update is additive, so the derivative along this path is the forget "
            "gate itself, not φ′ times W. With the forget gate near 1 the gradient rides the belt far back (the "
            "cell-path plot), even where the full Jacobian through the gates decays.",
        },
        "zh": {
            "title": "LSTM 的细胞状态是一条传送带",
            "text": "细胞状态的更新是加法，所以沿这条路径的导数就是遗忘门本身，而不是 φ′ 乘以 W。遗忘门接近 1 时，"
            "梯度沿着传送带可以传回很远（见细胞状态路径图），即使经过各个门的完整雅可比矩阵已经衰减。",
        },
    },
    "c11": {
        "formula": r"\sigma(b_f)^{L}: \quad \sigma(0)^{50} \approx 10^{-15}, \quad \sigma(3)^{50} \approx 0.09",
        "en": {
            "title": "The forget-gate bias decides what an LSTM can learn",
            "text": "A large forget-gate bias starts the gate near 1 (b_f = 3 gives f ≈ 0.95), so the cell state "
            "carries the first symbol, and its gradient, across the whole lag. Here an LSTM with b_f = 3 learns to "
            "recall a symbol 50 steps back within a hundred updates; with b_f = 1 it reaches only 50 %, with b_f = 0 "
            "it stays at chance (25 %) for a whole minute of training. A negative b_f closes the gate on purpose: "
            "that is how an LSTM forgets.",
        },
        "zh": {
            "title": "遗忘门偏置决定了 LSTM 能学会什么",
            "text": "遗忘门偏置取得足够大，遗忘门一开始就接近 1（b_f = 3 时 f ≈ 0.95），细胞状态能把第一个符号连同它的梯度"
            "一起带过整个滞后区间。这里 b_f = 3 的 LSTM 不到一百次更新就学会了回忆 50 步之前的符号；b_f = 1 时准确率只到 50%，"
            "b_f = 0 时训练整整一分钟仍停在随机猜测的 25%。b_f 为负则是有意关上遗忘门：LSTM 正是这样遗忘的。",
        },
    },
    "c12": {
        "formula": r"h_t = (1 - z_t)\odot h_{t-1} + z_t \odot \tilde h_t",
        "en": {
            "title": "LSTM variants and the GRU",
            "text": "Peephole connections let the gates read the cell state (Gers & Schmidhuber 2000); coupled gates "
            "set i = 1 − f, so what is forgotten makes room for new input; the GRU merges cell and hidden state and "
            "keeps the past through 1 − z. All keep an additive path: compare them on one input sequence and one "
            "colour scale.",
        },
        "zh": {
            "title": "LSTM 的变体与 GRU",
            "text": "窥视孔连接让各个门也能读取细胞状态（Gers 与 Schmidhuber，2000）；耦合门令 i = 1 − f，"
            "遗忘多少就写入多少；GRU 把细胞状态和隐藏状态合二为一，通过 1 − z 保留过去。它们都保留了一条加法路径："
            "在同一输入序列、同一色标下比较它们。",
        },
    },
    "c13": {
        "formula": r"W_{ij} \sim \mathcal{N}\!\left(0,\ \frac{2}{n_{\text{in}}}\right) \quad \text{(He, for ReLU)}",
        "en": {
            "title": "Remedies in deep networks",
            "text": "ReLU instead of sigmoid, He initialisation (standard deviation √(2/fan_in)) for ReLU or Xavier for "
            "tanh, and batch normalisation keep the gradient level across depth. This 50-layer ReLU net with He "
            "init learns at every layer; switch the init to N(0, 0.01²) or the activation to sigmoid and watch the "
            "layers near the input fall silent.",
        },
        "zh": {
            "title": "深层网络中的补救办法",
            "text": "用 ReLU 代替 sigmoid，对 ReLU 用 He 初始化（标准差 √(2/fan_in)）、对 tanh 用 Xavier 初始化，"
            "再加上批归一化，梯度就能在各层之间保持平稳。这个 50 层、He 初始化的 ReLU 网络每一层都在学习；"
            "把初始化换成 N(0, 0.01²)，或把激活函数换成 sigmoid，靠近输入的层就沉寂了。",
        },
    },
    "c14": {
        "formula": r"\mathrm{ReLU}'(a) = 0 \ (a \le 0), \qquad \text{leaky ReLU}'(a) = 0.01 \ (a \le 0)",
        "en": {
            "title": "Dead ReLUs and saturated sigmoids",
            "text": "Sigmoid's output lies in (0, 1), not centred at 0, and its derivative in (0, 1/4]; tanh is "
            "centred but saturates. A ReLU unit whose input is negative for every example passes no gradient and "
            "stops learning for good: with N(0, 1) weights many units die. Leaky ReLU keeps a slope of 0.01, so its "
            "units never die.",
        },
        "zh": {
            "title": "死亡的 ReLU 与饱和的 sigmoid",
            "text": "sigmoid 的输出在 (0, 1) 之间，不以 0 为中心，导数在 (0, 1/4] 之间；tanh 以 0 为中心，但会饱和。"
            "如果一个 ReLU 单元对所有样本的输入都为负，它就不再传递梯度，永远停止学习：用 N(0, 1) 初始化时，"
            "许多单元会这样“死亡”。Leaky ReLU 在负半轴保留 0.01 的斜率，单元永远不会死。",
        },
    },
    "c15": {
        "formula": r"\theta \leftarrow \theta - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}",
        "en": {
            "title": "Optimisers rescale gradients",
            "text": "Momentum averages the gradients of successive updates; AdaGrad, RMSProp and Adam divide each "
            "parameter's step by a running size of its own gradient, so tiny and huge gradients both give sensible "
            "steps. Train the same network with SGD and with Adam, and compare the loss and gradient-norm curves.",
        },
        "zh": {
            "title": "优化器会重新缩放梯度",
            "text": "动量法对相继各次更新的梯度做指数加权平均；AdaGrad、RMSProp 和 Adam 用每个参数自身梯度的滑动幅度"
            "去除它的步长，无论梯度极小还是极大，步长都合理。用 SGD 和 Adam 分别训练同一个网络，比较损失曲线和梯度范数曲线。",
        },
    },
    "c16": {
        "formula": r"\Omega = \sum_k \left(\frac{\left\|\frac{\partial E}{\partial h_{k+1}}\frac{\partial h_{k+1}}{\partial h_k}"
        r"\right\|}{\left\|\frac{\partial E}{\partial h_{k+1}}\right\|} - 1\right)^2",
        "en": {
            "title": "A regulariser for information flow",
            "text": "Pascanu et al. (2013) add a penalty that keeps ‖∂E/∂h_{k+1} · ∂h_{k+1}/∂h_k‖ close to "
            "‖∂E/∂h_{k+1}‖, so the gradient neither shrinks nor grows as it travels back one step. With its weight at 2 "
            "the share of the gradient from far steps rises from 0.1 % or less to about a half. In these runs that "
            "alone does not solve the adding problem: the tanh RNN's loss stays near the baseline.",
        },
        "zh": {
            "title": "促进信息流动的正则项",
            "text": "Pascanu 等（2013）加入一个惩罚项，让 ‖∂E/∂h_{k+1} · ∂h_{k+1}/∂h_k‖ 尽量接近 ‖∂E/∂h_{k+1}‖，"
            "使梯度每往回传一步既不缩小也不放大。权重取 2 时，来自远处时间步的梯度占比从 0.1% 以下升到约一半。"
            "但在这些实验里，仅靠它还解决不了加法问题：tanh RNN 的损失仍停在基线附近。",
        },
    },
}
