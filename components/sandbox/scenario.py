"""The chain-rule sandbox's state as a scenario and back (pure: no Streamlit, no session state)."""
from components.shell.adapt import expect_page
from engine.scenario import Scenario, sandbox_graph
from engine.scenario import sandbox_scenario as _sandbox_document


def sandbox_scenario(run, **view) -> Scenario:
    """The chain-rule sandbox's expression, values, step and mode as a scenario."""
    options = {"mode": run.mode} | ({"wrt": run.wrt} if run.wrt is not None else {})
    return _sandbox_document(run.text, run.values, step=run.step, options=options, **view)


def sandbox_state(s: Scenario):
    """(expression, values, step, mode, wrt) for the sandbox, or ValueError naming the field."""
    expect_page(s, "sandbox")
    graph, values = sandbox_graph(s)
    return s.expression, values, s.step, s.options.get("mode", "reverse"), s.options.get("wrt")
