"""Reading rendered pictures back, for tests that check what a user would see."""

import io

import numpy as np
from PIL import Image


def render(figure, dpi=80):
    """Render to PNG bytes and read them back: the file a user would get."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    image = Image.open(buffer)
    image.load()
    return np.asarray(image.convert("RGB"))


def pixel_at(ax, image, x, y, dpi=80):
    """The RGB colour of the rendered image at data coordinates (x, y) of ``ax``."""
    figure = ax.figure
    figure.set_dpi(dpi)
    figure.canvas.draw()
    px, py = ax.transData.transform((x, y))
    height = image.shape[0]
    return image[int(round(height - py)), int(round(px))].astype(int)


def is_orange(rgb):
    return rgb[0] > rgb[2] + 40


def is_blue(rgb):
    return rgb[2] > rgb[0] + 40
