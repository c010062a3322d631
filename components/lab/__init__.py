"""The gradient lab: ``page`` (the script), ``state`` (settings and run under one session key),
``scenario`` (the lab as a scenario and back) and ``figures`` (pure figure builders)."""
