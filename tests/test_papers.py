"""The papers package: a registry without import tricks, and the papers' figures as data."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from spacemimo import papers
from spacemimo.papers import gsm, guo_yang, published, zhou

PACKAGE = Path(papers.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
SUBMODULES = {p.stem for p in MODULES} - {"__init__"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement in ``path`` (``import x`` gives (x, []))."""
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", [a.name for a in node.names]))
    return out


def test_registry_names_and_order_and_signature() -> None:
    assert list(papers.TASKS) == ["table2", "table3", "fig6", "table4", "table5", "gsm_fig7",
                                  "zhou_ee", "zhou_fig11", "zhou_fig12", "gsm_fig8",
                                  "gsm_fig9", "gsm_fig6"]
    for fn in papers.TASKS.values():  # plain functions of the paper modules, no wrappers
        assert fn.__module__ in ("spacemimo.papers.guo_yang", "spacemimo.papers.gsm",
                                 "spacemimo.papers.zhou")
        assert list(fn.__code__.co_varnames[:5]) == ["out_dir", "seed", "quick", "checkpoint",
                                                     "progress"]
    assert papers.parse_table2_rows("64x32@20") == [(20.0, 64, 32)]


def test_no_importlib_and_no_module_imports_the_registry() -> None:
    assert MODULES and "__init__" in {p.stem for p in MODULES}
    for path in MODULES:
        assert "importlib" not in path.read_text(), f"{path.name} uses importlib"
        if path.stem == "__init__":
            continue
        for module, names in _imports(path):
            assert module != "spacemimo.papers" or set(names) <= SUBMODULES, \
                f"{path.name} imports the registry ({names})"
            assert not (module == "spacemimo" and "papers" in names), path.name
            # layer rule: papers sits below the CLI, beside board/hw
            assert not module.startswith(("spacemimo.cli", "spacemimo.hw", "spacemimo.board")), \
                f"{path.name} imports {module}"


def test_nothing_below_imports_the_papers() -> None:
    """ground / model / quant sit below papers: none of their modules imports it."""
    root = Path(__file__).resolve().parent.parent  # the checkout
    below = [p for folder in ("spacemimo/ground", "model", "quant")
             for p in (root / folder).glob("*.py")]
    assert len(below) > 20
    for path in below:
        for module, names in _imports(path):
            assert not module.startswith("spacemimo.papers"), f"{path} imports {module}"
            assert not (module == "spacemimo" and "papers" in names), path


# rows of the paper's tables as its text gives them (seeds/003, Guo & Yang; the SNR / R_min
# cell written out on every row, (N, K) without its space): Table II at 0 dB (8, 4) and 10 dB
# (32, 16), Table IV at R_min = 7, Table V
TABLE2_0DB_8X4 = (
    "0 (8,4) 97.76 0.06 0.12 90.42 0.19 96.37 1.07 98.74 0.03 100 0.9")
TABLE2_10DB_32X16 = (
    "10 (32,16) 99.03 0.07 0.13 42.74 0.17 90.64 7.23 99.97 0.04 100 12.22")
TABLE4_7_8X4 = (
    "7 (8,4) 95.95 98.83 0.07 0.14 50.8 0.25 0.05 98.7 94.25 0.05 62.46 0 11.46")
TABLE5 = {"Model-GNN": "98.88% 97.33% 96.39%", "Vanilla-GNN": "40.65% 36.67% 35.7%"}


def _cells(row: str) -> list[float]:
    return [float(c) for c in row.split()[2:]]


def test_guo_yang_figures_match_the_paper_text() -> None:
    for snr, size, row in ((0, (8, 4), TABLE2_0DB_8X4), (10, (32, 16), TABLE2_10DB_32X16)):
        c = _cells(row)  # Model-GNN SE, GPU, CPU; Vanilla SE, GPU; unfolding SE, CPU; BNN SE,
        key = (snr, *size)  # GPU; WMMSE SE, CPU
        assert published.table("003", "table2_model_gnn")[key] == (c[0], c[2], c[10])
        assert published.table("003", "table2_vanilla")[key] == c[3]
        assert published.table("003", "table2_bnn")[key] == c[7]
    c = _cells(TABLE4_7_8X4)  # Model-GNN EER, CSR, GPU, CPU; Vanilla EER, CSR, GPU; BNN EER, CSR
    assert published.table("003", "table4_model_gnn")[7.0] == (c[0], c[1])
    assert published.table("003", "table4_bnn")[7.0] == (c[7], c[8])
    sizes = [(2, 16, 8), (3, 16, 8), (3, 8, 4)]
    for name, entry in (("Model-GNN", "table5_model_gnn"), ("Vanilla-GNN", "table5_vanilla")):
        paper = [float(v.rstrip("%")) for v in TABLE5[name].split()]
        assert [published.table("003", entry)[s] for s in sizes] == paper
    # Table III: "1 min 2 s" of CPU time at 100 samples
    assert published.fields("003", "table3_model_gnn") == {"samples": 100, "cpu_time_s": 62.0}


def test_tasks_print_the_loaded_figures() -> None:
    """The constants the tasks print hold the papers' own figures (as printed in 003 Tables II,
    IV, V, 000 Fig. 10 and 002 Figs 6/8), keyed as the tasks look them up."""
    assert guo_yang.PAPER_TABLE2[(10.0, 8, 4)] == (97.74, 0.12, 1.37)
    assert guo_yang.TABLE2_PAPER_COLUMN["structured_cb"][(20.0, 64, 32)] == 101.67
    assert guo_yang.PAPER_TABLE5_VANILLA[(3, 8, 4)] == 35.7
    assert math.isnan(guo_yang.PAPER_TABLE4.get(4.0, (math.nan,))[0])
    assert zhou.PAPER_ZHOU_HIST == {"zhou_unfolded": "peak 1.3-1.4",
                                    "zhou_edge_gnn": "mostly 1.1-1.3",
                                    "iaidnn": "spread, more mass at low EE"}
    assert (zhou.PAPER_UNFOLDED_PEAK["low"], zhou.PAPER_UNFOLDED_PEAK["high"]) == (1.3, 1.4)
    assert gsm.PAPER_FIG8["sats_below"] == 4
    assert "stabilizing within 50 iterations" in published.text("002", "fig6")


def test_every_entry_says_where_it_comes_from() -> None:
    files = sorted(published.FIGURES_DIR.glob("*.yaml"))
    assert [f.name[:3] for f in files] == ["000", "002", "003"]
    for f in files:
        data = published.paper(f.name[:3])
        entries = {k: v for k, v in data.items() if k not in ("paper", "title")}
        assert entries and data["title"]
        for name, entry in entries.items():
            assert entry.get("from"), f"{f.name}: {name} names no table/figure"
            if "rows" in entry:  # every table entry loads (row lengths checked)
                assert published.table(f.name[:3], name)


def test_loader_errors_name_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="no entry 'table9'.*known: .*table2_model_gnn"):
        published.entry("003", "table9")
    with pytest.raises(ValueError, match="no single figures file for paper '007'"):
        published.paper("007")
    (tmp_path / "009_bad.yaml").write_text(
        'paper: "009"\ntitle: t\nt1:\n  from: x\n  key: [a, b]\n  value: v\n'
        "  rows:\n    - [1, 2]\n")
    monkeypatch.setattr(published, "FIGURES_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"row \[1, 2\] has 2 cells, expected 2 key \+ 1"):
        published.table("009", "t1")
    published.paper.cache_clear()  # the test's file must not stay cached
