"""A wheel install (`pip install .`, not editable) works away from the checkout.

The wheel is built from a copy of the files git knows (tracked and new, not ignored), so stale
build outputs of the checkout cannot leak into it; it is installed with ``--target`` and run
with the venv's dependencies from a directory outside the repository. The hardware sources
must come from the wheel's package data and every build output must land under ``./build`` of
the working directory, never in the installed package (spacemimo/ground/paths.py).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from spacemimo.hw.csim import missing_tools

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")

REPO = Path(__file__).resolve().parents[1]
# What a wheel must never hold: build outputs, results, caches, checkpoints.
FORBIDDEN_PARTS = {"build", "results", "__pycache__", "dist", ".pytest_cache"}
FORBIDDEN_SUFFIXES = {".pyc", ".pt", ".o", ".vcd", ".fst", ".xml"}


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _source_copy(dest: Path) -> Path:
    """The files git would ship from the working tree (tracked or new, not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():  # a tracked file deleted in the work tree is not copied
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _package_dir(package: str, cfg: dict) -> Path:
    """The folder setuptools reads ``package`` from (longest ``package-dir`` prefix)."""
    key = max((k for k in cfg["package-dir"] if package == k or package.startswith(k + ".")),
              key=len)
    return Path(cfg["package-dir"][key], *package[len(key):].split(".")[1:])


def _expected_files(src: Path) -> set[str]:
    """Every file the wheel should hold: each package's modules plus its package data."""
    cfg = tomllib.loads((src / "pyproject.toml").read_text())["tool"]["setuptools"]
    out = set()
    for package in cfg["packages"]:
        folder = src / _package_dir(package, cfg)
        prefix = package.replace(".", "/")
        files = set(folder.glob("*.py"))
        for pattern in cfg.get("package-data", {}).get(package, []):
            files |= {f for f in folder.glob(pattern) if f.is_file()}
        out |= {f"{prefix}/{f.relative_to(folder).as_posix()}" for f in files}
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the source copy it was built from)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = _source_copy(tmp / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(tmp / "dist"), str(src)], cwd=tmp)
    (whl,) = (tmp / "dist").glob("spacemimo-*.whl")
    return whl, src


def test_paths_rule_in_a_checkout_and_its_overrides(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkout: sources and build/ of the repository; SPACEMIMO_SOURCES and SPACEMIMO_BUILD
    override each (the wheel case is the end-to-end test below)."""
    from spacemimo.ground import paths

    monkeypatch.delenv("SPACEMIMO_SOURCES", raising=False)
    monkeypatch.delenv("SPACEMIMO_BUILD", raising=False)
    assert paths.source_root() == REPO and paths.is_checkout(REPO)
    assert paths.build_dir() == REPO / "build"
    assert (paths.rtl_dir() / "spacemimo_accel.v").is_file()
    assert (paths.hls_dir() / "Makefile").is_file()
    assert (paths.rtl_tests_dir() / "tb_accel.py").is_file()
    monkeypatch.setenv("SPACEMIMO_SOURCES", str(tmp_path / "other"))
    assert paths.hls_dir() == tmp_path / "other" / "hls"
    assert paths.build_dir() == tmp_path / "other" / "build"
    monkeypatch.setenv("SPACEMIMO_BUILD", str(tmp_path / "scratch"))
    assert paths.build_dir() == tmp_path / "scratch"


def test_every_package_is_listed() -> None:
    """Each folder with an ``__init__.py`` under a mapped top-level folder is in ``packages``
    (a missing one installs without its modules and fails only on a user's machine)."""
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set()
    for package, folder in cfg["package-dir"].items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([package, *rel.parts]))
    assert found - set(cfg["packages"]) == set()


def test_wheel_holds_sources_not_outputs(wheel: tuple[Path, Path]) -> None:
    whl, src = wheel
    names = {n for n in zipfile.ZipFile(whl).namelist() if ".dist-info/" not in n}
    bad = [n for n in names if FORBIDDEN_PARTS & set(Path(n).parts[:-1])
           or Path(n).suffix in FORBIDDEN_SUFFIXES]
    assert bad == []
    for needed in ("spacemimo/_hw/rtl/spacemimo_accel.v", "spacemimo/_hw/rtl/program_format.vh",
                   "spacemimo/_hw/hls/Makefile", "spacemimo/_hw/hls/src/spacemimo_accel.cpp",
                   "spacemimo/_hw/hls/tb/tb_accel.cpp", "spacemimo/_hw/rtl_tests/tb_accel.py",
                   "spacemimo/_hw/rtl_tests/sim_board.py", "spacemimo/ground/paths.py"):
        assert needed in names, needed
    # exactly the tree's modules and package data: no stale module of an earlier build
    assert names == _expected_files(src)
    assert any(n.startswith("spacemimo/model/presets/") and n.endswith(".yaml") for n in names)
    entry = next(n for n in zipfile.ZipFile(whl).namelist() if n.endswith("entry_points.txt"))
    assert "spacemimo = spacemimo.cli:main" in zipfile.ZipFile(whl).read(entry).decode()
    # every YAML the package reads (presets, experiments, register map, papers' figures) ships
    cfg = tomllib.loads((src / "pyproject.toml").read_text())["tool"]["setuptools"]
    yaml = {f"{package.replace('.', '/')}/{f.relative_to(src / folder).as_posix()}"
            for package, folder in cfg["package-dir"].items()
            if not package.startswith("spacemimo._hw")
            for f in (src / folder).rglob("*.yaml")}
    assert yaml - names == set()


@pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))
def test_installed_wheel_runs_golden_csim_cosim(wheel: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
          str(wheel[0])], cwd=tmp_path)
    shipped = sorted(p for p in site.rglob("*") if "__pycache__" not in p.parts)
    env = {k: v for k, v in os.environ.items()
           if k not in ("SPACEMIMO_SOURCES", "SPACEMIMO_BUILD", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    def spacemimo(*args: str) -> str:
        return _run([sys.executable, "-m", "spacemimo", *args], cwd=work, env=env).stdout

    where = _run([sys.executable, "-c", "import spacemimo; from spacemimo.ground import paths; "
                  "print(spacemimo.__file__); print(paths.source_root()); "
                  "print(paths.build_dir())"], cwd=work, env=env).stdout.split()
    assert where == [str(site / "spacemimo" / "__init__.py"), str(site / "spacemimo" / "_hw"),
                     str(work / "build")]
    spacemimo("golden", "--random", "gsm", "--small", "-n", "4", "--out", "vectors")
    assert (work / "vectors" / "expected.bin").is_file()
    out = spacemimo("csim", "vectors")
    assert "mismatches=0/" in out, out
    # the C-sim binary is built under ./build of the working directory
    assert list((work / "build" / "hls" / "csim").glob("tb_accel_*")), out
    assert "usage" in spacemimo("cosim", "--help")
    if shutil.which("iverilog") and importlib.util.find_spec("cocotb_tools"):
        # the RTL from the wheel's rtl/ and rtl_tests/, built under ./build (Icarus: seconds)
        out = spacemimo("cosim", "vectors", "--sim", "icarus")
        assert "PASS" in out and "0 failed" in out, out
        assert (work / "build" / "rtl_cosim").is_dir(), out
    # nothing written into the installed package
    after = sorted(p for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert after == shipped
