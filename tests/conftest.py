import os

# scikit-learn's check_array_api_input runs only with SciPy's array API support on; it
# must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# The once-per-process "compiling the fast kernels" notice (fast/warmup.py) would land in
# whichever test compiles first on a fresh machine; tests/fast/test_warmup.py checks it.
os.environ.setdefault("MLPLAB_QUIET", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# The property-based tests (tests/**/test_*_fuzz.py) choose their own max_examples. In CI the
# examples are derived from each test's name (derandomize), so a red run is repeatable and a
# green one is not luck; locally they are random and remembered in .hypothesis/.
settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    """Without numba (CI's second environment, Pyodide) the tests that compare the compiled
    runner with the NumPy one are skipped: mark them ``@pytest.mark.numba``."""
    from mlplab.fast import epochs

    if epochs.available():
        return
    skip = pytest.mark.skip(reason="numba is not installed: no compiled runner to compare")
    for item in items:
        if item.get_closest_marker("numba") is not None:
            item.add_marker(skip)
