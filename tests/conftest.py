"""Test-wide settings, read before any test module imports NumPy.

One BLAS thread: on a 2-core machine NumPy's threaded BLAS fights the Streamlit servers the browser
and protocol tests start (measured 10–40× slower matrix products under load). The servers started
by the fixtures inherit the setting. An explicit value in the environment wins.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
