import numpy as np

import mlplab


def test_model_history_and_trace_show_html_tables(rng):
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    model = mlplab.Sequential.from_spec([2, 3, 1], activation="tanh", random_state=0)
    model.compile(metrics=["accuracy"])
    history = model.fit(X, y, epochs=3, validation_split=0.2)
    page = model._repr_html_()
    assert page.count("<tr>") == 1 + 2 and "13 parameters" in page
    table = history._repr_html_()
    assert "3 epochs" in table and "val_accuracy" in table
    assert f"{history.history['loss'][-1]:.4g}" in table
    walk = mlplab.trace(model, X[0], y[0])._repr_html_()
    assert walk.count("<tr>") == 1 + len(mlplab.trace(model, X[0], y[0]).steps)
    assert "dL/dW1" in walk and "&lt;" not in walk.split("<td>")[1]
    assert np.isfinite(history.history["loss"]).all()
