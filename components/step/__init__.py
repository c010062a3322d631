"""The step-through page: ``page`` (the script), ``config`` (the frozen ``StepConfig``), ``session`` (its
run under one session key), ``controls`` (sidebar and sliders), ``panels`` (graph and the tabs below it),
``neuron_zoom``, ``pytorch_code`` and ``quiz`` (predict, then reveal)."""
