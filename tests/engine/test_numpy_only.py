import subprocess
import sys
import textwrap


def test_engine_imports_and_trains_with_numpy_alone():
    # Block every optional dependency; the engine must not need any of them.
    script = textwrap.dedent("""
        import sys
        BLOCKED = ("sklearn", "scipy", "matplotlib", "rich", "click", "pandas", "numba")

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked {name}")

        sys.meta_path.insert(0, Blocker())
        import numpy as np
        import mlplab.engine as engine
        model = engine.Sequential.from_spec([2, 3, 1], random_state=0)
        model.compile(loss="binary_crossentropy", optimizer="sgd")
        model.fit(np.random.default_rng(0).normal(size=(8, 2)), [0, 1] * 4, epochs=2)
        from mlplab.fast import epochs as compiled
        assert not compiled.available() and "numba" in compiled.supports(model)
        print("ok", sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok []"
