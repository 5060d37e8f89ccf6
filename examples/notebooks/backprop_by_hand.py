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
# # Backprop by hand
# One sample through a 2-4-3-1 sigmoid net: the forward pass, the loss, then every partial
# derivative from the output back to the input, each with its shape.

# %%
import numpy as np

import mlplab

model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid", random_state=0)
model.build().compile(loss="binary_crossentropy")
walk = mlplab.trace(model, [0.5, -1.0], 1)
walk

# %% [markdown]
# The trace's gradients are the engine's own, and both agree with finite differences.

# %%
targets = model.loss.prepare_targets(np.array([1]), 1, np.float64)
model.loss_and_gradients(np.array([[0.5, -1.0]]), targets, training=False)
print(np.allclose(walk.gradients["W1"], model.gradients()[0]))
print(mlplab.gradcheck(model, np.array([[0.5, -1.0]]), [1]))
