"""benchmarks/bench_sklearn_mlp.py runs, and compares like with like (no timing asserted)."""

import pytest
from benchmarks import bench_sklearn_mlp as bench

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_one_pair_of_fits_and_the_report():
    parts = bench.split("iris", 0)
    pair = bench.timed_pair({"solver": "lbfgs"}, parts, 0, repeats=1)
    (ours, _), (theirs, _) = pair[bench.MlplabMLP], pair[bench.ScikitLearnMLP]
    assert ours == theirs  # the same L-BFGS iterations: the same test accuracy
    text = bench.report([("iris", "lbfgs", theirs, ours, 0.2, 0.1)])
    assert "iris" in text and "2.00x" in text and "+0.0000" in text
