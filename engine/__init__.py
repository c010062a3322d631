"""Backprop Lens engine: a small NumPy network that exposes every number of a training step.

Pure NumPy, float64. No Streamlit, plotly or networkx import here: usable from a notebook.

Vocabulary (used everywhere, in code and on screen)
---------------------------------------------------
l       layer index. Layer 0 is the input; weights[l] maps layer l to layer l+1.
j, k    unit indices (j in the receiving layer, k in the sending layer).
z       pre-activation of a layer:  z = a_prev @ W.T + b   (per sample: z_j = Σ_k W_jk a_k + b_j)
a       activation:                 a = f(z);  a[0] is the input X, a[-1] the output ŷ.
delta   δ = ∂L/∂z, per sample (the gradient of that sample's loss).
dW, db  ∂L/∂W and ∂L/∂b of the batch loss (the mean over the batch of the per-sample loss).
u       what enters the activation: u = z, or u = γ ⊙ ẑ + β in a normalised layer (``norm``).
gamma, beta  γ and β, the learnable gain and shift of a normalised layer (per unit).

Shapes: X (batch, sizes[0]); W[l] (sizes[l+1], sizes[l]); b[l] (sizes[l+1],);
z[l], a[l+1], delta[l] (batch, sizes[l+1]).

Settings (the same names in code, scenario files, links, widget keys and the field table
``engine.settings.SETTINGS``; "off" is always None / JSON null / "-" in a link)
--------------------------------------------------------------------------------------------
init, init_gain   the initializer and the multiplier of its scale (not "scale")
seed, data_seed   the weights' and the data's random seeds
lr                learning rate α
batch_size        samples per step (not "batch")
clip_norm         clip the gradients to this global L2 norm; None = off (not 0.0, not clip + clip_threshold)
clip_value        clip each gradient to ±this; None = off
l1, l2            the L1 and L2 penalty rates λ₁, λ₂; 0.0 = no penalty (not regularization + reg_rate)
norm              None, "batch" or "layer" (not "none")
residual          skip connections a ← a + f(z)
edge_mode, node_mode  what the graph colours edges and nodes by (not color_edges_by / color_nodes_by)
reinitialize      draw the weights again from the seed (one spelling, -ize, as in "initializer")

Ids: "L{l}:N{j}" node, "W{l}:{j}:{k}" weight, "b{l}:{j}" bias, parsed by ``engine.ids.parse_id``.
Numbers on screen: ``engine.formatting.format_number`` (one rule everywhere).

Checking a gradient: ``gradient_check(net, X, Y)`` compares every ∂L/∂θ of ``backward`` with central
differences and returns numeric vs analytic values and relative errors per parameter.

The loss over one or two parameters, all others held (``engine.surface``): ``slope`` (L(w), the tangent
with slope ∂L/∂w, where one update lands), ``secant``, ``surface`` (a grid, batched in one pass) and
``descent_path`` (the next steps of SGD, momentum or Adam on that slice).

Example
-------
>>> from engine import Network
>>> net = Network([1, 1, 1], activation="relu", output_activation="sigmoid", loss="mse")
>>> net.weights[0][:] = 0.5; net.biases[0][:] = 0.1; net.weights[1][:] = 0.8; net.biases[1][:] = 0.2
>>> round(net.backward([2.0], 1.0).loss, 4)
0.0643
"""
from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS, Activation
from engine.gradcheck import GradCheck, gradient_check
from engine.initializers import INITIALIZERS, Initializer
from engine.losses import LOSSES, Loss
from engine.network import NORMS, Network
from engine.passes import Pass
from engine.optimizers import OPTIMIZERS, Optimizer

__all__ = [
    "ACTIVATIONS", "OUTPUT_ACTIVATIONS", "Activation",
    "INITIALIZERS", "Initializer",
    "LOSSES", "Loss",
    "OPTIMIZERS", "Optimizer",
    "Network", "Pass", "NORMS",
    "GradCheck", "gradient_check",
]
