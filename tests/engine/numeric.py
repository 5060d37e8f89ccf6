"""Central finite differences: the independent truth the engine's gradients are checked
against (written here, not taken from mlplab.gradcheck, which they also check)."""

import numpy as np

EPS = 1e-6  # central differences: O(eps^2) truncation, O(1e-16 / eps) round-off


def central_differences(objective, array):
    """d objective() / d array, entry by entry, perturbing ``array`` in place."""
    numeric = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + EPS
        plus = objective()
        array[index] = saved - EPS
        minus = objective()
        array[index] = saved
        numeric[index] = (plus - minus) / (2 * EPS)
    return numeric
