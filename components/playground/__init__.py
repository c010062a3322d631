"""The training playground: ``page`` (the script), ``settings`` (the frozen ``PlaygroundSettings`` and the
run), ``session`` (the run under one session key) and ``figures`` (pure figure builders)."""
