"""The step-by-step timeline: the very numbers of ``Network.backward`` / ``step``, revealed in order."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ACTIVATIONS, Network
from engine.equations import node_equations
from engine.formatting import tex_number, tex_update
from engine.ids import node_label
from engine.timeline import MAX_BATCH, TABLE_COLUMNS, build_timeline, step_table
from tests.helpers import textbook_network

HEADS = [("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse"),
         ("tanh", "mse"), ("softmax", "mse")]


def textbook():
    return textbook_network()


def make(hidden="tanh", head=("sigmoid", "mse"), sizes=(3, 4, 3, 2), seed=0, **kw):
    out, loss = head
    net = Network(list(sizes), activation=hidden, output_activation=out, loss=loss, seed=seed, **kw)
    rng = np.random.default_rng(seed + 100)
    for b in net.biases:
        b[:] = rng.normal(0, 0.3, b.shape)
    return net


def data(net, batch=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, net.sizes[0]))
    if net.loss_name == "cross_entropy":
        Y = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], batch)]
    elif net.loss_name == "bce":
        Y = rng.integers(0, 2, size=(batch, net.sizes[-1])).astype(float)
    else:
        Y = rng.normal(size=(batch, net.sizes[-1]))
    return X, Y


def expected_known(kind_index, L):
    """Which entries are known after step i: (forward layers done, loss known, backward layers done)."""
    i = kind_index
    forward_done = min(i, L)                       # steps 1 … L are the forward steps
    loss_known = i >= L + 1
    backward_done = max(0, min(i - (L + 1), L))    # steps L+2 … 2L+1, from the output down
    return forward_done, loss_known, backward_done


def check_against_pass(net, X, Y, lr):
    """Every step's known values equal backward/step exactly; unknown ones are None."""
    before = [p.copy() for p in net.parameters()]
    ref = net.copy().backward(X, Y)
    stepped = net.copy()
    ref_step = stepped.step(X, Y, lr)
    steps = build_timeline(net, X, Y, lr)
    L = net.n_layers
    assert len(steps) == 2 * L + 3
    for p, q in zip(net.parameters(), before):
        assert np.array_equal(p, q), "build_timeline changed the network"
    for s in steps:
        fwd, loss_known, bwd = expected_known(s.index, L)
        assert np.array_equal(s.a[0], ref.a[0])
        for l in range(L):
            if l < fwd:
                assert np.array_equal(s.z[l], ref.z[l]), f"step {s.index}: z[{l}]"
                assert np.array_equal(s.a[l + 1], ref.a[l + 1]), f"step {s.index}: a[{l + 1}]"
            else:
                assert s.z[l] is None and s.a[l + 1] is None, f"step {s.index}: z[{l}] known too early"
            if l >= L - bwd:
                assert np.array_equal(s.delta[l], ref.delta[l]), f"step {s.index}: delta[{l}]"
                assert np.array_equal(s.dW[l], ref.dW[l]), f"step {s.index}: dW[{l}]"
                assert np.array_equal(s.db[l], ref.db[l]), f"step {s.index}: db[{l}]"
            else:
                assert s.delta[l] is None and s.dW[l] is None and s.db[l] is None, \
                    f"step {s.index}: layer {l} gradients known too early"
        if loss_known:
            assert s.loss == ref.loss and np.array_equal(s.dL_dyhat, ref.dL_dyhat)
        else:
            assert s.loss is None and s.dL_dyhat is None
        params = list(zip(s.weights, s.biases))
        want = list(zip(stepped.weights, stepped.biases)) if s.kind == "update" else \
            list(zip(before[0::2], before[1::2]))
        for (W, b), (W2, b2) in zip(params, want):
            assert np.array_equal(W, W2) and np.array_equal(b, b2), f"step {s.index}: parameters"
        assert s.equations and all(isinstance(e, str) and e for e in s.equations)
    last = steps[-1]
    for l in range(L):
        assert np.array_equal(last.update_W[l], ref_step.update_W[l])
        assert np.array_equal(last.update_b[l], ref_step.update_b[l])
    assert last.loss_after == stepped.backward(X, Y).loss
    return steps


def test_order_titles_and_captions_for_three_weight_layers():
    net = make(sizes=(2, 3, 3, 1))
    steps = build_timeline(net, *data(net), 0.1)
    assert [s.kind for s in steps] == ["start", "forward", "forward", "forward", "loss",
                                       "backward", "backward", "backward", "update"]
    assert [s.layer for s in steps] == [None, 0, 1, 2, None, 2, 1, 0, None]
    assert [s.index for s in steps] == list(range(9))
    assert steps[0].title == "Start: input set"
    assert steps[2].title == "Forward through layer 2"
    assert steps[4].title == "Loss"
    assert steps[5].caption == "Step 6 of 9 — backward through layer 3"
    assert steps[8].caption == "Step 9 of 9 — update"
    assert steps[2].nodes[:3] == ["L2:N0", "L2:N1", "L2:N2"]
    assert "W1:2:0" in steps[2].nodes and "b1:2" in steps[2].nodes
    assert steps[4].nodes == ["L3:N0"]
    assert "W0:0:1" in steps[8].nodes and "b2:0" in steps[8].nodes


@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_every_hidden_activation_equals_the_vectorised_pass(hidden):
    net = make(hidden, ("sigmoid", "mse"))
    check_against_pass(net, *data(net), 0.05)


@pytest.mark.parametrize("head", HEADS, ids=lambda h: "+".join(h))
def test_every_output_and_loss_equals_the_vectorised_pass(head):
    net = make("relu", head, sizes=(2, 5, 3))
    check_against_pass(net, *data(net, batch=3, seed=2), 0.05)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_update_step_uses_the_optimizer_and_its_state(optimizer):
    net = make("tanh", ("sigmoid", "mse"), optimizer=optimizer, l2=0.01, l1=0.001)
    X, Y = data(net, batch=2)
    net.step(X, Y, 0.05)          # optimizer memory now non-empty: the timeline must use it, not reset it
    state_before = {k: (v if not isinstance(v, list) else [x.copy() for x in v])
                    for k, v in net.optimizer_state.items()}
    steps = check_against_pass(net, X, Y, 0.05)
    assert net.optimizer_state.keys() == state_before.keys()
    for key, v in state_before.items():
        if isinstance(v, list):
            assert all(np.array_equal(a, b) for a, b in zip(net.optimizer_state[key], v))
    shown = {"sgd": r"- \alpha", "momentum": r"\text{momentum}", "adam": r"\text{Adam}"}[optimizer]
    assert shown in steps[-1].equations[1]


@pytest.mark.parametrize("hidden,head", itertools.product(["sigmoid", "tanh", "relu", "silu"], HEADS[:3]))
def test_loss_after_the_update_drops_for_a_small_learning_rate(hidden, head):
    net = make(hidden, head, sizes=(2, 4, 3))
    X, Y = data(net, batch=2, seed=5)
    last = build_timeline(net, X, Y, 1e-3)[-1]
    assert last.loss_after < last.loss


def test_textbook_equations_carry_its_numbers():
    steps = build_timeline(textbook(), 2.0, 1.0, 0.1)
    text = [" ".join(s.equations) for s in steps]
    assert len(steps) == 7
    assert r"z^{(1)}_{1} = 0.5 \cdot 2 + 0.1 = 1.1" in text[1]               # z1 = W1 x + b1
    assert r"\mathrm{relu}(1.1) = 1.1" in text[1]
    assert r"z^{(2)}_{1} = 0.8 \cdot 1.1 + 0.2 = 1.08" in text[2]
    assert r"\hat y = \sigma(1.08) = 0.7465" in text[2]
    assert "(0.7465 - 1)^2 = 0.06427" in text[3]                               # L = (ŷ − y)²
    assert r"2(0.7465 - 1) = -0.507" in text[3]                                # ∂L/∂ŷ = 2(ŷ − y)
    assert r"(-0.507) \cdot 0.1892 = -0.09595" in text[4]                      # δ2 = ∂L/∂ŷ · σ'(z2)
    assert r"(-0.09595) \cdot 1.1 = -0.1055" in text[4]                        # ∂L/∂W2 = δ2 a1
    assert r"1 \cdot (0.8 \cdot (-0.09595)) = 1 \cdot (-0.07676) = -0.07676" in text[5]
    assert r"(-0.07676) \cdot 2 = -0.1535" in text[5]                          # ∂L/∂W1 = δ1 x
    assert r"0.5 - 0.1 \cdot (-0.1535) = 0.51535" in text[6]                   # W1 ← 0.51535
    assert r"0.8 - 0.1 \cdot (-0.1055) = 0.81055" in text[6]
    assert r"0.06427 \;\to\; 0.05941" in text[6]


def test_textbook_node_equations_reveal_only_what_is_known():
    steps = build_timeline(textbook(), 2.0, 1.0, 0.1)
    waiting = node_equations(steps, 1, "L2:N0")
    assert "not computed yet" in waiting[0] and "step 3, forward through layer 2" in waiting[1]
    assert steps[2].z[1] is not None and steps[1].z[1] is None     # …which is where z of layer 2 appears
    at_forward = node_equations(steps, 2, "L2:N0")
    assert len(at_forward) == 2 and "0.7465" in at_forward[1]
    assert not any("delta" in e for e in node_equations(steps, 3, "L2:N0"))
    at_backward = " ".join(node_equations(steps, 4, "L2:N0"))
    assert r"\delta^{(2)}_{1}" in at_backward and "-0.09595" in at_backward
    assert r"\frac{\partial L}{\partial b^{(2)}_{1}} = \delta^{(2)}_{1} = -0.09595" in at_backward
    weight = node_equations(steps, 3, "W0:0:0")
    assert weight[0] == "w^{(1)}_{11} = 0.5" and "1" in weight[1] and len(weight) == 2
    weight = " ".join(node_equations(steps, 6, "W0:0:0"))
    assert "-0.1535" in weight and "= 0.51535" in weight
    bias = " ".join(node_equations(steps, 6, "b1:0"))
    assert "-0.09595" in bias and "0.209595" in bias
    assert node_equations(steps, 0, "L0:N0") == ["x_{1} = 2"]
    assert "-0.03838" in node_equations(steps, 5, "L0:N0")[1]    # ∂L/∂x = W1 δ1 = 0.5·(−0.07676)
    with pytest.raises(ValueError, match="node_id"):
        node_equations(steps, 3, "L5:N0")
    with pytest.raises(ValueError, match="step_index"):
        node_equations(steps, 7, "L1:N0")


def flat(tex: str) -> str:
    """An aligned block as one line: the node panel's equations read like the step's."""
    for token in (r"\begin{aligned}", r"\end{aligned}", "&"):
        tex = tex.replace(token, "")
    return tex.replace(r" \\ ", " ")


@pytest.mark.parametrize("head", HEADS, ids=lambda h: "+".join(h))
def test_output_delta_equation_follows_the_loss(head):
    net = make("relu", head, sizes=(2, 3, 2))
    X, Y = data(net)
    steps = build_timeline(net, X, Y, 0.1)
    line = next(flat(e) for e in node_equations(steps, 4, "L2:N1") if flat(e).startswith(r"\delta"))
    d = tex_number(net.backward(X, Y).delta[1][0, 1])
    assert line.endswith(f"= {d}")
    if head[1] in ("bce", "cross_entropy"):          # fused: δ = ŷ − y
        assert line.startswith(r"\delta^{(2)}_{2} = \hat y_{2} - y_{2} = ")
    elif head[0] == "softmax":                       # softmax Jacobian applied to ∂L/∂ŷ
        assert r"\sum_k \frac{\partial L}" in line
    else:                                            # δ = ∂L/∂ŷ · f′(z)
        assert r"\frac{\partial L}{\partial \hat y_{2}} \cdot" in line


def test_table_rows_hold_known_values_and_none_for_the_rest():
    net = make("tanh", ("sigmoid", "mse"), sizes=(2, 3, 1))
    X, Y = data(net)
    steps = build_timeline(net, X, Y, 0.1)
    ref = net.backward(X, Y)
    n_nodes, n_weights = 2 + 3 + 1, 2 * 3 + 3 * 1
    for i, s in enumerate(steps):
        rows = step_table(steps, i)
        assert len(rows) == n_nodes + n_weights
        assert all(set(r) == set(TABLE_COLUMNS) for r in rows)
        by_id = {r["id"]: r for r in rows}
        h = by_id["L1:N2"]
        assert h["label"] == "h¹₃"
        assert (h["z"] is None) == (i < 1) and (h["delta"] is None) == (i < 5)
        if i >= 1:
            assert h["z"] == ref.z[0][0, 2] and h["a"] == ref.a[1][0, 2]
        if i >= 5:
            assert h["delta"] == ref.delta[0][0, 2] and h["dL_db"] == ref.db[0][2]
            assert by_id["W0:2:1"]["dL_dW"] == ref.dW[0][2, 1]
        else:
            assert by_id["W0:2:1"]["dL_dW"] is None
        assert by_id["L0:N1"]["a"] == X[0, 1]
        assert by_id["W1:0:2"]["w"] == s.weights[1][0, 2]


def test_batch_keeps_every_sample_and_refuses_more_than_the_limit():
    net = make("relu", ("softmax", "cross_entropy"), sizes=(2, 3, 3))
    X, Y = data(net, batch=4)
    steps = build_timeline(net, X, Y, 0.1, sample=2)
    assert steps[1].z[0].shape == (4, 3)
    assert "sample 3" in steps[0].equations[-1]
    assert tex_number(X[2, 0]) in steps[0].equations[0]
    X, Y = data(net, batch=MAX_BATCH + 1)
    with pytest.raises(ValueError, match="X: the timeline shows at most 8 samples"):
        build_timeline(net, X, Y, 0.1)
    with pytest.raises(ValueError, match="sample"):
        build_timeline(net, *data(net, batch=2), 0.1, sample=2)
    with pytest.raises(ValueError, match="lr"):
        build_timeline(net, *data(net), -1.0)


def test_refuses_residual_or_normalised_networks():
    net = make()
    net.residual = True
    with pytest.raises(ValueError, match="net: .*residual"):
        build_timeline(net, *data(net), 0.1)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_overflow_is_a_status_not_an_exception():
    net = Network([1, 1, 1], activation="linear", output_activation="linear", loss="mse",
                  init="constant", init_param=1e200)
    steps = build_timeline(net, [1e200], 1.0, 0.1)
    assert steps[0].status == ""
    assert "Overflow: z of layer 1" in steps[1].status
    assert "update was skipped" in steps[-1].status
    assert steps[-1].loss_after is None and steps[-1].update_W is None
    assert np.array_equal(steps[-1].weights[0], net.weights[0])
    assert r"\infty" in steps[1].equations[0]
    net = Network([2, 2, 1], activation="linear", output_activation="linear", loss="mse",
                  init="constant", init_param=1e200)
    steps = build_timeline(net, [1e200, -1e200], 1.0, 0.1)      # w·a overflows both ways: no RuntimeWarning
    assert "Overflow: z of layer 1" in steps[1].status
    for s in steps:
        for node in ("L0:N0", "L1:N1", "L2:N0", "W0:1:1", "W1:0:1", "b0:0"):
            node_equations(steps, s.index, node)
        step_table(steps, s.index)
    assert r"(-1 \times 10^{200})" in steps[1].equations[0] and r"= -\infty" in steps[1].equations[0]


def test_labels_and_number_format():
    sizes = [2, 3, 1]
    assert node_label(sizes, "L0:N1") == "x₂"
    assert node_label(sizes, "L1:N1") == "h¹₂"
    assert node_label(sizes, "L2:N0") == "ŷ"
    assert node_label([2, 3, 3], "L2:N2") == "ŷ₃"
    assert node_label(sizes, "L1:N1", latex=True) == "h^{(1)}_{2}"
    assert node_label(sizes, "L2:N0", latex=True) == r"\hat y"
    assert node_label(sizes, "W1:0:2", latex=True) == "w^{(2)}_{13}"
    assert node_label(sizes, "b0:2", latex=True) == "b^{(1)}_{3}"
    for bad in ("L1:N3", "W1:1:0", "b2:0", "node"):
        with pytest.raises(ValueError, match="node_id"):
            node_label(sizes, bad)
    assert tex_number(0.74649) == "0.7465"
    assert tex_number(-0.10554) == "-0.1055"
    assert tex_number(1.1) == "1.1"
    assert tex_number(0.0) == "0"
    assert tex_number(1.234567e-7) == r"1.235 \times 10^{-7}"
    assert tex_number(99999.0) == r"1 \times 10^{5}"
    assert tex_number(9999.7) == r"1 \times 10^{4}"
    assert tex_number(float("inf")) == r"\infty" and tex_number(-float("inf")) == r"-\infty"
    assert tex_number(float("nan")) == r"\text{NaN}"
    assert tex_update(0.5, 0.5153526) == ("0.5", "0.51535")
    assert tex_update(0.5, 0.5 + 1.2341e-6) == ("0.5", "0.500001234")     # the change stays visible


def balanced(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch == "{" and tex[i - 1:i] != "\\":
            depth += 1
        elif ch == "}" and tex[i - 1:i] != "\\":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@pytest.mark.parametrize("head", HEADS, ids=lambda h: "+".join(h))
def test_every_equation_is_well_formed_latex_with_no_python_leftovers(head):
    # (the lines were also rendered by KaTeX in a browser through st.latex: no .katex-error)
    net = make("elu", head, sizes=(8, 3, 2), l1=0.01, l2=0.01)
    X, Y = data(net, batch=2)
    steps = build_timeline(net, X, Y, 0.1)
    ids = ([f"L{l}:N{j}" for l, n in enumerate(net.sizes) for j in range(n)]
           + ["W0:2:7", "W1:1:2", "b0:1", "b1:0"])
    lines = [e for s in steps for e in s.equations]
    lines += [e for s in steps for i in ids for e in node_equations(steps, s.index, i)]
    for tex in lines:
        assert balanced(tex), tex
        assert not any(bad in tex for bad in ("None", "nan", "inf ", "e+", "e-0", "array")), tex


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5), batch=st.integers(1, 3),
       hidden=st.sampled_from(sorted(ACTIVATIONS)), head=st.sampled_from(HEADS), seed=st.integers(0, 1000))
def test_any_shape_steps_through_to_the_vectorised_numbers(sizes, batch, hidden, head, seed):
    if head[0] == "softmax" and sizes[-1] < 2:
        sizes = sizes[:-1] + [2]
    net = make(hidden, head, sizes=sizes, seed=seed)
    X, Y = data(net, batch=batch, seed=seed)
    steps = check_against_pass(net, X, Y, 0.01)
    ids = ([f"L{l}:N{j}" for l, n in enumerate(net.sizes) for j in range(n)]
           + [f"W{l}:{n - 1}:0" for l, n in enumerate(net.sizes[1:])] + [f"b{l}:0" for l in range(net.n_layers)])
    for s in steps:
        rows = step_table(steps, s.index)
        assert len(rows) == sum(net.sizes) + sum(W.size for W in net.weights)
        for i in ids:
            assert all(balanced(e) for e in node_equations(steps, s.index, i))


def test_weight_labels_separate_indices_from_ten_units_on():
    from engine.ids import node_label
    assert node_label([2, 3, 1], "W0:1:0", latex=True) == "w^{(1)}_{21}"
    # 32 units: unit 32 from unit 5 must not read as unit 325
    assert node_label([2, 32, 1], "W1:0:4", latex=True) == "w^{(2)}_{1,5}"
    assert node_label([2, 32, 1], "W0:31:1", latex=True) == "w^{(1)}_{32,2}"


def test_a_node_at_the_update_step_shows_its_bias_and_its_incoming_weights_updated():
    net = Network([2, 3, 1], activation="tanh", output_activation="sigmoid", loss="mse", seed=3)
    steps = build_timeline(net, np.array([[1.0, -0.5]]), np.array([[1.0]]), 0.5)
    lines = node_equations(steps, len(steps) - 1, "L1:N1")
    update = steps[-1]
    for k in range(2):   # w¹₂₁, w¹₂₂ ← old − α ∂L/∂w = new, with the numbers of the update step
        old, new = tex_update(net.weights[0][1, k], update.weights[0][1, k])
        assert any(r"\leftarrow" in line and old in line and new in line and f"w^{{(1)}}_{{2{k + 1}}}" in line
                   for line in lines), (k, lines)
    assert sum(line.count(r"\leftarrow") for line in lines) == 3, "b and the two incoming weights"
    before = node_equations(steps, len(steps) - 2, "L1:N1")
    assert not any(r"\leftarrow" in line for line in before), "nothing is updated before the update step"
