"""A plain-text summary of a model: layers, output shapes, parameter counts."""


def summary_text(model) -> str:
    """The table that ``Sequential.summary()`` prints."""
    rows = [("layer", "output shape", "activation", "params")]
    for number, layer in enumerate(model.layers, start=1):
        width = getattr(layer, "units", layer.output_dim)
        activation = getattr(getattr(layer, "activation", None), "name", "-")
        rows.append((f"{number} {type(layer).__name__}", f"(None, {width})", activation,
                     str(layer.n_parameters() if layer.built else "?")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
             for row in rows]
    rule = "-" * len(lines[0])
    total = model.count_params() if model.built else "? (not built)"
    return "\n".join([lines[0], rule, *lines[1:], rule, f"total parameters: {total}",
                      f"input: {model.input_dim} features, dtype {model.dtype}"])


def summary_html(model) -> str:
    """The summary as an HTML table, for Jupyter."""
    rows = []
    for number, layer in enumerate(model.layers, start=1):
        activation = getattr(getattr(layer, "activation", None), "name", "-")
        rows.append((number, type(layer).__name__, getattr(layer, "units", layer.output_dim),
                     activation, layer.n_parameters() if layer.built else "?"))
    total = model.count_params() if model.built else "?"
    from mlplab._display import html_table

    return html_table(("layer", "type", "units", "activation", "parameters"), rows,
                      f"{model!r}: {total} parameters")
