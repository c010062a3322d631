"""The step-through page: ``page`` (the script), ``config`` (the frozen ``StepConfig``), ``session`` (its
run under one session key, the quiz's memory included), ``scenario`` (the page as a scenario and back),
``controls`` (sidebar and sliders), ``panels`` (graph and the tabs below it), ``neuron_zoom``,
``pytorch_code``, ``loss_view`` and ``loss_figures`` (the loss seen from one weight) and ``quiz``
(predict, then reveal)."""
