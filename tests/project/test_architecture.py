"""The layout is the architecture: import-linter's contracts in pyproject.toml hold, and nothing imports in a circle."""

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """Layers of `sweep/`, `trainables/__init__.py` as the only door, and no import of the driver from a trial."""
    command = Path(sys.executable).parent / "lint-imports"  # import-linter's command, installed beside this Python
    result = subprocess.run([str(command), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("sweep", "trainables")
    circles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    ]
    assert circles == []


def test_test_modules_have_unique_names():
    """pytest imports test modules by their file name (no packages under tests/): two of one name cannot both run."""
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []
