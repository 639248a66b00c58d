"""No module of ``loket`` is above 400 lines: one concept per module (split by concept, never by size
alone), so a module that grows past the limit holds more than one and is named here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "loket"
MAX_LINES = 400


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Path (relative to ``root``'s parent) -> line count of every ``.py`` file above ``limit`` lines."""
    counts = {
        path.relative_to(root.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(root.rglob("*.py"))
    }
    return {path: n for path, n in counts.items() if n > limit}


def test_the_check_names_a_long_module(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "short.py").write_text("x = 1\n" * MAX_LINES)
    (pkg / "sub" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert long_modules(pkg) == {"pkg/sub/long.py": MAX_LINES + 1}


def test_no_module_above_400_lines():
    too_long = long_modules(ROOT)
    assert not too_long, "above 400 lines (split by concept): " + ", ".join(
        f"{path} ({n} lines)" for path, n in too_long.items()
    )
