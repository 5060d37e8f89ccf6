"""mlplab's version: a leaf module that every other module (and the build) may read."""

__version__ = "0.1.0"
