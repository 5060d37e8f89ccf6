"""Colours shared by every picture, chosen to read well on a slide and in grey."""

from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_rgb

# Class colours: orange and blue like TensorFlow Playground, then a colour-blind-safe set.
CLASS_COLORS = ["#e8710a", "#1a73e8", "#2ca02c", "#9467bd", "#d62728", "#8c564b",
                "#e377c2", "#17becf"]
# Two-sided map for probabilities and activations: orange (low) - white - blue (high).
DIVERGING = LinearSegmentedColormap.from_list("mlplab", ["#e8710a", "#ffffff", "#1a73e8"])


def class_color(index):
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def region_cmap(n_classes, lightness=0.65):
    """Pale versions of the class colours, for filled decision regions."""
    pale = [tuple(c + (1 - c) * lightness for c in to_rgb(class_color(i)))
            for i in range(n_classes)]
    return ListedColormap(pale)
