"""Every public name is documented; callables that take arguments describe them."""

import inspect
import re
import textwrap

import pytest

import mlplab
from mlplab import data, study, viz

web = pytest.importorskip("mlplab.web")
MODULES = [mlplab, data, viz, study, web]
PUBLIC = sorted({(module.__name__, name) for module in MODULES for name in module.__all__
                 if name != "__version__"})


def documented_parameters(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [name for name, p in signature.parameters.items()
            if name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("module_name,name", PUBLIC)
def test_public_name_has_a_docstring(module_name, name):
    module = {m.__name__: m for m in MODULES}[module_name]
    obj = getattr(module, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return  # constants and registries are documented in their module
    doc = inspect.getdoc(obj) or ""
    assert len(doc) > 20, f"{module_name}.{name} has no docstring"
    parameters = documented_parameters(obj)
    if len(parameters) >= 3 and inspect.isfunction(obj):
        assert "Parameters" in doc, f"{module_name}.{name} does not describe its parameters"
    if len(parameters) >= 2 and inspect.isfunction(obj) and returns_a_value(obj):
        assert "Returns" in doc, f"{module_name}.{name} does not say what it returns"


def returns_a_value(function):
    """True if the function's body has a ``return <something other than None>``."""
    source = textwrap.dedent(inspect.getsource(function))
    body = source.split('"""', 2)[-1]  # past the docstring
    return re.search(r"^\s+return\s+(?!None\b)\S", body, re.MULTILINE) is not None
