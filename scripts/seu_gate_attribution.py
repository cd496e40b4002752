"""Where a protected build's extra logic comes from, per RTL source line (issue 19's LUT
overhead): the flow of ``spacemimo.hw.synth.yosys_script`` stopped before ``abc -lut 6`` (whose
LUTs no longer carry the RTL's ``src``), the gate-level netlist written with its ``src``
attributes, its gate cells (``$_AND_``, ``$_MUX_``, ...) counted per source line, build B
minus build A. Gates, not LUTs: a proxy for where ABC's LUTs go, not a LUT count.

    python scripts/seu_gate_attribution.py rtl-small-8 rtl-small-8-seu --work /tmp/attr
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

from spacemimo.hw.cosim import build_params
from spacemimo.hw.synth import RTL_DIR, yosys_command, yosys_script

SRC = re.compile(r'src = "([^"]*)"')
CELL = re.compile(r"^\s*\\?\$_(\w+)_\s")


def gates(build: str, work: Path) -> Counter[str]:
    """Gate cells per ``file:line`` of ``build`` (yosys run once per work folder)."""
    wd = (work / build).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    full = yosys_script(build_params(build), rtl=os.path.relpath(RTL_DIR, wd))
    pre = full.split("opt_expr -mux_undef -noclkinv\nabc -lut 6")[0]
    pre += ("opt_expr -mux_undef -noclkinv\nopt_clean\nstat\n"
            "write_verilog -noexpr -attr2comment pre.v\n")
    if not (wd / "pre.v").exists() or (wd / "pre.ys").read_text() != pre:
        (wd / "pre.ys").write_text(pre)
        subprocess.run(["nice", "-n", "10", *yosys_command(), "-q", "-l", "pre.log", "pre.ys"],
                       cwd=wd, check=True)
    out: Counter[str] = Counter()
    src = None
    with open(wd / "pre.v") as f:
        for line in f:
            if m := SRC.search(line):
                src = m.group(1)
                continue
            cell = CELL.match(line)
            if cell:
                parts = src.split("|") if src else ["?"]
                s = next((x for x in parts if "/share/" not in x), parts[0])
                out[re.sub(r"\.\d+-\d+\.\d+$", "", re.sub(r"^.*/", "", s))] += 1
            if not line.lstrip().startswith("/*"):
                src = None
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the total and the source lines with the largest difference."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base")
    p.add_argument("build")
    p.add_argument("--work", type=Path, default=Path("build/seu_gates"))
    p.add_argument("--top", type=int, default=40)
    a = p.parse_args(argv)
    ga, gb = gates(a.base, a.work), gates(a.build, a.work)
    text = {f.name: f.read_text().splitlines() for f in RTL_DIR.glob("*.v*")}
    print(f"gates: {a.base} {sum(ga.values())}, {a.build} {sum(gb.values())}, "
          f"+{sum(gb.values()) - sum(ga.values())}")
    d = Counter({k: gb[k] - ga[k] for k in set(ga) | set(gb)})
    for k, n in d.most_common(a.top):
        f, _, ln = k.partition(":")
        line = text[f][int(ln) - 1].strip()[:100] if f in text and ln.isdigit() else ""
        print(f"{n:7d} {k:28s} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
