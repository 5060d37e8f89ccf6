import pytest
from sklearn.base import clone
from sklearn.svm import SVC

from mlplab.baselines import BASELINES, make_model, model_names
from mlplab.errors import InvalidInputError, UnknownNameError


@pytest.mark.parametrize("name", model_names())
def test_every_baseline_builds_fresh_and_clones(name):
    model = make_model(name)
    assert model is not make_model(name)
    assert clone(model).get_params() == model.get_params()
    for key, value in BASELINES[name].defaults.items():
        assert model.get_params()[key] == value


def test_the_seeds_svc_settings_and_overrides():
    poly = make_model("svc_poly")
    assert isinstance(poly, SVC)
    assert (poly.kernel, poly.degree, poly.gamma) == ("poly", 3, "auto")
    rbf = make_model("svc_rbf", C=10)
    assert (rbf.kernel, rbf.gamma, rbf.C) == ("rbf", "auto", 10)
    assert make_model("linear_net").hidden_layer_sizes == ()


def test_unknown_names_and_parameters():
    with pytest.raises(UnknownNameError, match="Unknown model 'svc_rfb'. Did you mean 'svc_rbf'"):
        make_model("svc_rfb")
    with pytest.raises(InvalidInputError, match="has no parameter c. Did you mean 'C'"):
        make_model("svc_rbf", c=1)


def test_mlplab_s_mlp_takes_scikit_learn_s_path_by_name():
    """A study can set 'mlp' beside 'sklearn_mlp' with the same parameters: with sgd both
    draw the same weights and batches and end at the same weights (to rounding)."""
    import numpy as np
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=120, noise=0.2, random_state=0)
    settings = {"hidden_layer_sizes": (6,), "solver": "sgd", "max_iter": 20, "tol": 0.0,
                "random_state": 3}
    ours, theirs = make_model("mlp", **settings), make_model("sklearn_mlp", **settings)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both stop at max_iter and say so
        ours.fit(X, y)
        theirs.fit(X, y)
    assert type(ours).__module__ == "mlplab.neural_network"
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
