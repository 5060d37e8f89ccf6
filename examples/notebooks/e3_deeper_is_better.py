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
# # E3. Deeper is better
# Gaussian quantiles (2000 points) split 70/30 and 20% of the training part for validation.
# Published test accuracies: no hidden layer 0.518, 3 units 0.768, 10 units 0.970,
# 10-10 0.991 (single runs).

# %%
import os

import matplotlib.pyplot as plt

import mlplab
from mlplab import data, viz

QUICK = os.environ.get("MLPLAB_QUICK") == "1"
SCALE = 0.05 if QUICK else 1.0
X, y = data.gaussian_quantiles(n_samples=2000, n_features=2, n_classes=2, cov=0.1,
                               random_state=3)
parts = data.split(X, y, test=0.3, validation=0.2, random_state=3)
parts

# %%
figure, axes = plt.subplots(1, 4, figsize=(18, 4), layout="constrained")
for ax, hidden, epochs in zip(axes, ([], [3], [10], [10, 10]), (20, 500, 500, 500)):
    model = mlplab.Sequential.from_spec([2, *hidden, 1], activation="tanh", random_state=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(parts.X_train, parts.y_train, epochs=max(1, int(epochs * SCALE)), batch_size=32,
              validation_data=(parts.X_val, parts.y_val))
    accuracy = model.evaluate(parts.X_test, parts.y_test)["accuracy"]
    viz.plot_probability(model, parts.X_test, parts.y_test, ax=ax,
                         title=f"{[2, *hidden, 1]}: {accuracy:.3f}")
