"""The chain-rule sandbox page: ``page.py`` (the page), ``figures.py`` (pure figure builders), ``pytorch.py``
(the PyTorch equivalent), ``state.py`` (its one session key, read and written only here), ``scenario.py``
(the sandbox as a scenario and back)."""
