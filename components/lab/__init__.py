"""The gradient lab: ``page`` (the script), ``state`` (settings and run under one session key) and
``figures`` (pure figure builders)."""
