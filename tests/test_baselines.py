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
