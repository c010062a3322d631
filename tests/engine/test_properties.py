"""Property tests over random shapes, activations, losses and remedies (hypothesis)."""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import ACTIVATIONS, NORMS, Network, gradient_check
from tests.helpers import assert_close

HEADS = [("linear", "mse"), ("sigmoid", "mse"), ("tanh", "mse"), ("softmax", "mse"), ("sigmoid", "bce"),
         ("softmax", "cross_entropy")]
# derandomize: the same 150 draws on every run, so CI is reproducible (14 random seeds also passed)
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def problems(draw, norm=st.sampled_from(NORMS), residual=st.booleans()):
    output, loss = draw(st.sampled_from(HEADS))
    n_out = draw(st.integers(2 if output == "softmax" else 1, 4))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=4))
    sizes = [draw(st.integers(1, 4))] + hidden + [n_out]
    activation = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in hidden]
    seed = draw(st.integers(0, 2 ** 16))
    net = Network(sizes, activation=activation, output_activation=output, loss=loss, seed=seed,
                  norm=draw(norm), residual=draw(residual), l2=draw(st.sampled_from([0.0, 0.1])))
    rng = np.random.default_rng(seed + 1)
    # off the starting values: β = 0 with batch 1 (ẑ = 0) would put u exactly on relu's kink
    for p in net.biases + net.betas:
        p[:] = rng.normal(0.0, 0.3, p.shape)
    for g in net.gammas:
        g[:] = rng.uniform(0.5, 1.5, g.shape)
    batch = draw(st.integers(1, 5))
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    else:
        Y = rng.uniform(0.05, 0.95, size=(batch, n_out))
    return net, X, Y


@SETTINGS
@given(problems())
def test_gradient_check_passes(problem):
    net, X, Y = problem
    # Central differences need L smooth on the scale of ε. A normalisation whose variance is tiny but
    # not zero (2 near-equal samples or units) bends on the scale √var: such draws are left out, and
    # gradients below 1e-3 are compared to 1e-8 absolute (rounding noise of L(θ ± ε) reaches 1e-9).
    variances = [v for v in net.backward(X, Y).extras.get("var", []) if v is not None]
    assume(all(np.all((v == 0) | (v > 1e-3)) for v in variances))
    check = gradient_check(net, X, Y, floor=1e-3)
    assert check.ok, f"{net.sizes} {net.activation_names} norm={net.norm} residual={net.residual}: " \
                     f"max relative error {check.max_rel_error:.2e} at {check.worst}"


@SETTINGS
@given(problems(norm=st.sampled_from([None, "layer"])))
def test_a_batch_is_its_samples_stacked(problem):
    """Without batch norm samples do not interact: each row of the batch pass is that sample's pass."""
    net, X, Y = problem
    r = net.backward(X, Y)
    singles = [net.backward(X[i:i + 1], Y[i:i + 1]) for i in range(X.shape[0])]
    assert r.loss == r.loss and len(r.a) == len(net.sizes) and len(r.delta) == net.n_layers
    assert_close("loss = mean of sample losses", r.data_loss, np.mean([s.data_loss for s in singles]))
    for l in range(net.n_layers):
        assert r.z[l].shape == r.delta[l].shape == (X.shape[0], net.sizes[l + 1])
        assert r.dW[l].shape == net.weights[l].shape and r.db[l].shape == net.biases[l].shape
        assert_close(f"z{l}", r.z[l], np.concatenate([s.z[l] for s in singles]))
        assert_close(f"delta{l}", r.delta[l], np.concatenate([s.delta[l] for s in singles]), atol=1e-10)
        assert_close(f"dW{l}", r.dW[l], np.mean([s.dW[l] for s in singles], axis=0), atol=1e-10)


@SETTINGS
@given(st.integers(1, 5), st.lists(st.integers(1, 5), max_size=3), st.floats(-3, 3), st.floats(-1, 1))
def test_one_sample_as_1d_x_and_scalar_y(n_in, hidden, x, y):
    net = Network([n_in] + hidden + [1], activation="tanh", output_activation="linear")
    X = np.full(n_in, x)
    r = net.backward(X if n_in > 1 else x, y)
    r2 = net.backward(X.reshape(1, n_in), [[y]])
    assert r.a[0].shape == (1, n_in) and r.a[-1].shape == (1, 1)
    assert_close("loss", r.loss, r2.loss)
    assert_close("dW0", r.dW[0], r2.dW[0])


@SETTINGS
@given(problems())
def test_step_moves_every_parameter_by_its_update(problem):
    net, X, Y = problem
    before = [p.copy() for p in net.parameters()]
    r = net.step(X, Y, lr=0.05)
    assert r.finite
    steps = r.update_W + r.update_b + (r.update_gamma or []) + (r.update_beta or [])
    grads = r.dW + r.db + r.dgamma + r.dbeta
    params = net.weights + net.biases + net.gammas + net.betas
    olds = before[0::2][:net.n_layers] + before[1::2][:net.n_layers] + before[2 * net.n_layers::2] \
        + before[2 * net.n_layers + 1::2]
    for p, old, s, g in zip(params, olds, steps, grads):
        assert_close("update = −lr·gradient", s, -0.05 * g)
        assert_close("parameter = old + update", p, old + s)
