"""scikit-learn's own MLP tests, run on mlplab's MLPClassifier and MLPRegressor.

The test module shipped inside the installed scikit-learn
(``sklearn/neural_network/tests/test_mlp.py``) is loaded afresh while
``sklearn.neural_network`` names mlplab's classes, so that every ``from
sklearn.neural_network import MLPClassifier`` in it, parametrize lists included, gets
mlplab's. Its test functions are collected from here; its code is not copied.

The tests that cannot apply reach into scikit-learn's internals (a private method or a
private attribute of its implementation); each is skipped below with its reason, and
tests/sklearn/test_mlp_internals.py checks the same behaviour through mlplab's public
attributes.
"""

import importlib.util
import os

import pytest
import sklearn.neural_network

from mlplab.neural_network import MLPClassifier, MLPRegressor

NOT_APPLICABLE = {
    "test_gradient": "calls scikit-learn's private _loss_grad_lbfgs with its own buffers of "
                     "activations and deltas; mlplab's gradient is checked by finite "
                     "differences in tests/engine",
    "test_learning_rate_warmstart": "reads the rate from scikit-learn's private _optimizer "
                                    "object; the same rule is checked on model_.optimizer",
    "test_adaptive_learning_rate": "reads the rate from scikit-learn's private _optimizer "
                                   "object; the same rule is checked on model_.optimizer",
    "test_n_iter_no_change": "asserts scikit-learn's private counter _no_improvement_count",
    "test_n_iter_no_change_inf": "asserts scikit-learn's private counter "
                                 "_no_improvement_count",
}


def _load_suite():
    """scikit-learn's test_mlp, imported while sklearn.neural_network names mlplab's classes."""
    origin = importlib.util.find_spec("sklearn.neural_network.tests.test_mlp").origin
    spec = importlib.util.spec_from_file_location("sklearn_test_mlp_on_mlplab", origin)
    saved = sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor
    sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor = (
        MLPClassifier, MLPRegressor)
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor = saved
    assert module.MLPClassifier is MLPClassifier and module.MLPRegressor is MLPRegressor
    return module


SUITE = _load_suite()
SUITE_TESTS = sorted(name for name in vars(SUITE) if name.startswith("test_"))


def _global_random_seeds():
    """scikit-learn's seeds for its ``global_random_seed`` fixture (its conftest.py): 42,
    or what SKLEARN_TESTS_GLOBAL_RANDOM_SEED says ("all", "3", "0-9")."""
    setting = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if setting is None:
        return [42]
    if setting == "all":
        return list(range(100))
    start, _, stop = setting.partition("-")
    return list(range(int(start), int(stop or start) + 1))


@pytest.fixture(params=_global_random_seeds())
def global_random_seed(request):
    return request.param


def _skipped(name, reason):
    @pytest.mark.skip(reason=f"scikit-learn internals: {reason}")
    def test():
        pass

    test.__name__ = name
    return test


for _name in SUITE_TESTS:
    globals()[_name] = (_skipped(_name, NOT_APPLICABLE[_name]) if _name in NOT_APPLICABLE
                        else getattr(SUITE, _name))


def test_the_suite_is_the_installed_one():
    """The loaded module is scikit-learn's file, and each skipped test exists in it."""
    assert SUITE.__file__.endswith("sklearn/neural_network/tests/test_mlp.py")
    assert set(NOT_APPLICABLE) <= set(SUITE_TESTS)
    assert len(SUITE_TESTS) >= 40
