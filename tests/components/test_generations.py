"""Callbacks of widgets the page has rebuilt are dropped (components/shell/generations.py).

The replay below is what the server ran (logged) when the step page's Textbook preset was chosen and
the Loss view clicked while the preset's run was still drawing: Streamlit called the preset's callback
again, then every old sidebar widget's callback with the values it showed for the default network.
"""
from streamlit.testing.v1 import AppTest

from components.shell.generations import current_widgets_only, generation_of


def test_generation_of_reads_the_number_a_key_ends_in():
    assert generation_of("step_hidden_3") == 3
    assert generation_of("step_x1_12") == 12
    assert generation_of("sandbox_val_w_2_0") == 0
    assert generation_of("step_view") is None


def test_only_the_current_generation_runs_the_callback_whatever_the_argument_order():
    calls, gen = [], {"now": 2}
    on_field = current_widgets_only(lambda: gen["now"])(lambda field, key, cast=int: calls.append((field, key)))
    on_value = current_widgets_only(lambda: gen["now"])(lambda name, key: calls.append((name, key)))
    on_field("n_inputs", "step_n_in_1", int)
    on_value(name="w", key="sandbox_val_w_1")
    assert calls == []
    on_field("n_inputs", "step_n_in_2", int)
    on_value("w", key="sandbox_val_w_2")
    assert calls == [("n_inputs", "step_n_in_2"), ("w", "sandbox_val_w_2")]
    gen["now"] = 3   # read at call time, not when decorated
    on_field("n_inputs", "step_n_in_2", int)
    assert len(calls) == 2


def _replay_script():
    """Choose the Textbook preset on the generation-0 sidebar, then let Streamlit's replay call the
    generation-0 callbacks again with the default network's values; show the config."""
    import streamlit as st

    from components.step import controls, session
    from components.step.config import DEFAULT

    guarded = st.session_state.get("use_guard", True)
    call = (lambda f: f) if guarded else (lambda f: f.__wrapped__)
    run = session.get_run()
    assert run.generation == 0 and run.config == DEFAULT
    shown = {"step_preset_0": "Textbook example (x = 2, y = 1)", "step_n_in_0": 2, "step_n_out_0": 1,
             "step_hidden_0": "3", "step_act_all_0": DEFAULT.activations[0], "step_out_0": DEFAULT.output_activation,
             "step_loss_0": DEFAULT.loss, "step_init_0": DEFAULT.init, "step_x0_0": DEFAULT.x[0],
             "step_lr_0": DEFAULT.lr}
    for key, value in shown.items():
        st.session_state[key] = value
    controls._on_preset("step_preset_0")                      # the student's choice
    chosen = session.get_run().config
    call(controls._on_preset)("step_preset_0")                # the replay, in the logged order
    call(controls._on_field)("n_inputs", "step_n_in_0", int)
    call(controls._on_hidden)("step_hidden_0")
    call(controls._on_all_activations)("step_act_all_0")
    call(controls._on_field)("output_activation", "step_out_0")
    call(controls._on_field)("loss", "step_loss_0")
    call(controls._on_field)("init", "step_init_0")
    call(controls._on_live)("x", 0, "step_x0_0")
    call(controls._on_lr)("step_lr_0")
    after = session.get_run().config
    st.write(f"chosen {chosen.sizes} {chosen.activations} lr={chosen.lr}")
    st.write(f"after {after.sizes} {after.activations} lr={after.lr} same={after == chosen}")
    # a change on the rebuilt (current) widgets still applies
    st.session_state[f"step_lr_{session.get_run().generation}"] = 0.5
    controls._on_lr(f"step_lr_{session.get_run().generation}")
    st.write(f"current lr={session.get_run().config.lr}")


def _run(use_guard):
    at = AppTest.from_function(_replay_script, default_timeout=30)
    at.session_state["use_guard"] = use_guard
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return [m.value for m in at.markdown]


def test_a_replay_of_the_old_sidebar_leaves_the_chosen_preset():
    chosen, after, current = _run(True)
    assert chosen.startswith("chosen (1, 1, 1)"), chosen
    assert after.endswith("same=True"), after
    assert current == "current lr=0.5"


def test_without_the_guard_the_replay_puts_the_default_network_back():
    """What the students saw before: the replay undid the preset (this makes the test above able to fail)."""
    chosen, after, _ = _run(False)
    assert chosen.startswith("chosen (1, 1, 1)")
    assert after.startswith("after (2, 3, 1)") and after.endswith("same=False"), after
