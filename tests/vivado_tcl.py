"""A recording stand-in for Vivado's Tcl commands, so tests run the real vivado/*.tcl.

The scripts run in a real Tcl 8.6 interpreter (Python's tkinter.Tcl, no display needed):
control flow, procs, lists and dicts are Tcl's own, so a syntax error or a wrong variable
fails here. Every command Tcl does not know (Vivado's: ipx::*, create_bd_cell,
set_property, ...) lands in ``unknown`` and is recorded with its arguments; it returns the
name the real command would return (the object's name), so nested calls like
``set_property physical_name X [ipx::add_port_map SIG $bif]`` record both halves. ``file
copy`` / ``file mkdir`` are recorded, not done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    from tkinter import TclError
except ImportError:  # no tkinter: run_tcl skips the test before anything raises this
    class TclError(Exception):  # type: ignore[no-redef]
        """Stands for tkinter.TclError where tkinter is missing."""

# Vivado options that take a value (the rest are flags)
VALUE_OPTIONS = {"-of_objects", "-vlnv", "-type", "-rule", "-config", "-part", "-fileset",
                 "-jobs", "-to_step", "-file", "-root_dir", "-vendor", "-library", "-taxonomy",
                 "-set_current", "-delay_type", "-max_paths", "-hierarchical_depth", "-files",
                 "-dict", "-busif", "-clock", "-reset", "-log", "-journal",
                 "-target_address_space", "-offset", "-range", "-address", "-len"}
NAME_LAST = {"create_bd_cell", "create_bd_design", "get_bd_pins", "get_bd_intf_pins",
             "get_bd_cells", "get_files", "get_runs", "get_bd_addr_spaces", "get_bd_addr_segs"}


def positional(args: tuple[str, ...]) -> list[str]:
    """The arguments that are not options or option values."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a.startswith("-") and a[1:2].isalpha():
            skip = a in VALUE_OPTIONS
        else:
            out.append(a)
    return out


@dataclass
class Recorder:
    """The calls one script run made, and the answers board-dependent queries get."""

    board_parts: str = ""
    version: str = "2023.2"
    hw_devices: str = "xc7vx690t_0"
    axi_reads: list[str] = field(default_factory=list)  # DATA of each hw_axi read, in order
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def __call__(self, *args: str) -> str:
        self.calls.append(tuple(args))
        cmd, rest = args[0], tuple(args[1:])
        pos = positional(rest)
        if cmd == "version":
            return self.version
        if cmd == "get_board_parts":
            return self.board_parts
        if cmd == "get_property":
            if pos[0] == "DATA":
                return self.axi_reads.pop(0)
            return {"PROGRESS": "100%", "DIRECTORY": "/mock/impl_1",
                    "CONFIG.FREQ_HZ": "200000000"}.get(pos[0], "")
        if cmd == "get_hw_devices":
            return self.hw_devices
        if cmd == "get_hw_axis":
            return "hw_axi_1"
        if cmd == "create_hw_axi_txn":
            return pos[0]
        if cmd == "ipx::current_core":
            return "core"
        if cmd in ("ipx::add_port_map", "ipx::add_bus_parameter"):
            return f"{pos[1]}.{pos[0]}"  # <bus interface>.<logical signal / parameter>
        if cmd == "get_files" and pos and pos[-1] == "*.hwh":
            return "/mock/project.gen/sources_1/bd/sm_system/hw_handoff/sm_system.hwh"
        if cmd == "make_wrapper":
            return "/mock/gen/sm_system_wrapper.v"
        if cmd in NAME_LAST:
            return pos[-1] if pos else ""
        if cmd.startswith(("ipx::add_", "ipx::get_")):
            return pos[0] if pos and pos[0] != "core" else ""
        if cmd == "create_project":
            return pos[0]
        return ""

    def named(self, cmd: str) -> list[tuple[str, ...]]:
        """The argument tuples of every call of ``cmd``."""
        return [c[1:] for c in self.calls if c[0] == cmd]

    def properties(self, prop: str) -> list[tuple[str, str]]:
        """(value, object) of every ``set_property <prop> value object``."""
        return [(c[1], c[2]) for c in self.named("set_property")
                if len(c) == 3 and c[0] == prop]

    def dicts(self, obj: str) -> dict[str, str]:
        """Every ``set_property -dict {...} obj`` on ``obj``, merged."""
        out: dict[str, str] = {}
        for c in self.named("set_property"):
            if c[0] == "-dict" and c[2] == obj:
                words = c[1].split()
                out.update(zip(words[::2], words[1::2], strict=True))
        return out


def run_tcl(script: str, rec: Recorder, config: Path | None = None,
            argv: list[str] | None = None) -> None:
    """Run Tcl ``script`` (a file path or Tcl text) with ``rec`` behind ``unknown``; skips
    the calling test where Python has no tkinter (Debian: apt-get install python3-tk)."""
    tkinter = pytest.importorskip("tkinter", reason="the Tcl checks need Python's tkinter "
                                  "(Tcl 8.6; Debian: apt-get install python3-tk)")

    tcl = tkinter.Tcl()
    tcl.createcommand("_mock", rec)
    tcl.eval("proc unknown {args} { return [_mock {*}$args] }")
    tcl.eval("rename file _real_file")
    tcl.eval("proc file {sub args} {\n"
             "  if {$sub in {copy mkdir delete}} { return [_mock file $sub {*}$args] }\n"
             "  return [_real_file $sub {*}$args]\n}")
    tcl.eval(f"set argv [list {' '.join('{' + a + '}' for a in (argv or []))}]")
    if config is not None:
        tcl.eval(f"source {{{config}}}")
    if Path(script).is_file():
        tcl.eval(f"source {{{script}}}")
    else:
        tcl.eval(script)
