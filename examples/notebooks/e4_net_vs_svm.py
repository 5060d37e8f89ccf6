# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # E4. Neural network vs SVMs
# Published test accuracies — circles: poly 0.45, rbf 0.88, net 0.85; moons: poly 0.80,
# rbf 0.93, net 0.93. The net: 2-25-50-50-25-1, ReLU, weights ~ N(0, 0.1^2), full-batch
# gradient descent, learning rate 0.1, 10 000 epochs, seed 99.

# %%
import os

import mlplab
from mlplab import data, viz

QUICK = os.environ.get("MLPLAB_QUICK") == "1"
net = mlplab.NetClassifier(
    layers=[{"input_dim": 2, "output_dim": 25, "activation": "relu"},
            {"input_dim": 25, "output_dim": 50, "activation": "relu"},
            {"input_dim": 50, "output_dim": 50, "activation": "relu"},
            {"input_dim": 50, "output_dim": 25, "activation": "relu"},
            {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"}],
    kernel_initializer={"name": "normal", "stddev": 0.1}, optimizer="sgd", momentum=0.0,
    learning_rate=0.1, batch_size=None, epochs=200 if QUICK else 10_000, alpha=0.0,
    n_iter_no_change=None, random_state=99)
models = {"SVC poly": mlplab.make_model("svc_poly"), "SVC rbf": mlplab.make_model("svc_rbf"),
          "net": net}
datasets = {"circles": data.circles(n_samples=200, noise=0.2, factor=0.5, random_state=42),
            "moons": data.moons(n_samples=200, noise=0.2, random_state=42)}

# %%
figure = viz.plot_comparison(models, datasets, random_state=42, stratify=False)
figure.scores
