"""The Vivado flow without Vivado: vivado/*.tcl run in a real Tcl interpreter with Vivado's
commands recorded (tests/vivado_tcl.py), checked against the RTL's ports, the spec and the
driver; the report parsers on report files in Vivado's exact layout; the CLI's errors.

What only Vivado can check (the IP packager accepting the interfaces, block-design
validation, timing closure) is listed as unverified in vivado/README.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vivado_tcl import Recorder, TclError, run_tcl

from spacemimo.cli import main
from spacemimo.hw import vivado
from spacemimo.spec import builds as spec_builds
from spacemimo.spec import regmap as spec_regmap

REPO = Path(__file__).resolve().parent.parent
TCL = REPO / "vivado"
DATA = Path(__file__).resolve().parent / "data" / "vivado"
REGMAP = spec_regmap.load()
SPEC = spec_builds.load()
SMALL = "rtl-small-8"  # an RTL build that exists today: every board is also checked with it


def _designs() -> list[object]:
    """(board, build) pairs: each board with its own build (skipped while builds.yaml lacks
    it) and with the small build."""
    out: list[object] = []
    for name, b in sorted(vivado.BOARDS.items()):
        out.append(pytest.param(name, SMALL, id=f"{name}-{SMALL}"))
        marks = () if b.build in SPEC.builds else pytest.mark.skip(
            reason=f"{b.build} not in spacemimo/spec/builds.yaml yet (issue 17 item 1)")
        out.append(pytest.param(name, None, id=f"{name}-{b.build}", marks=marks))
    return out


DESIGNS = _designs()


def _config(tmp_path: Path, board: str, build: str | None) -> tuple[vivado.Design, Path, Path]:
    d = vivado.design(board, build)
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out"
    cfg = tmp_path / "config.tcl"
    cfg.write_text(vivado.config_tcl(d, out, jobs=2, root=REPO))
    return d, cfg, out


def _package(cfg: Path) -> Recorder:
    rec = Recorder()
    run_tcl(f"source {{{TCL / 'package_ip.tcl'}}}\nsm_package_ip /mock/ip", rec, config=cfg)
    return rec


def _rtl_has_weight_ports() -> bool:
    _, widths, _ = vivado.rtl_top_ports({})
    return "m_axi_wgt0_ARADDR" in widths


# --------------------------------------------------------------------------- IP packaging


@pytest.mark.parametrize(("board", "build"), DESIGNS)
def test_every_packaged_port_exists_in_the_rtl_with_its_width(board: str, build: str | None,
                                                             tmp_path: Path) -> None:
    """Every physical port the packaging Tcl maps is a port of rtl/spacemimo_accel.v with the
    width its AXI role needs under this build's parameters, in the right direction; every
    RTL port except the debug strobe belongs to an interface."""
    d, cfg, _ = _config(tmp_path, board, build)
    rec = _package(cfg)
    env, widths, dirs = vivado.rtl_top_ports(d.params)
    maps = {phys: bif_sig.split(".") for phys, bif_sig in rec.properties("physical_name")}
    modes = {bif: mode for mode, bif in rec.properties("interface_mode")}
    assert {"s_axi_control", "m_axi_gmem", "interrupt", "ap_clk", "ap_rst_n"} <= set(modes)
    assert {f"m_axi_wgt{k}" for k in range(4)} <= set(modes)
    if not _rtl_has_weight_ports():
        maps = {p: v for p, v in maps.items() if not p.startswith("m_axi_wgt")}
    missing = sorted(p for p in maps if p not in widths)
    assert not missing, f"ports the Tcl maps but rtl/spacemimo_accel.v lacks: {missing}"
    for phys, (bif, sig) in maps.items():
        if bif in ("interrupt", "ap_clk", "ap_rst_n"):
            assert phys == bif and widths[phys] == 1
            continue
        assert phys == f"{bif}_{sig}"
        if bif == "s_axi_control":
            addr, data = REGMAP.addr_width, REGMAP.data_width
        else:
            addr, data = env["AXI_AW"], d.wgt_dw if bif.startswith("m_axi_wgt") else d.axi_dw
        want = (addr if sig.endswith("ADDR") else data if sig in ("WDATA", "RDATA")
                else data // 8 if sig == "WSTRB" else 8 if sig.endswith("LEN")
                else 3 if sig.endswith("SIZE") else 2 if sig.endswith(("BURST", "RESP")) else 1)
        assert widths[phys] == want, f"{phys}: {widths[phys]} bits, want {want}"
        # a master drives VALID/address/data towards the slave, the slave answers READY
        driven_by_master = sig in ("AWVALID", "WVALID", "ARVALID", "BREADY", "RREADY") or \
            sig[:2] in ("AW", "AR") and not sig.endswith("READY") or sig in ("WDATA", "WSTRB",
                                                                            "WLAST")
        out_dir = "output" if (modes[bif] == "master") == driven_by_master else "input"
        assert dirs[phys] == out_dir, f"{phys} is an {dirs[phys]}, want {out_dir}"
    unmapped = sorted(p for p in widths if p not in maps and not p.startswith("dbg_")
                      and (_rtl_has_weight_ports() or not p.startswith("m_axi_wgt")))
    assert not unmapped, f"RTL ports in no interface: {unmapped}"


def test_weight_ports_are_present_in_the_rtl() -> None:
    """The interface decided up front: m_axi_wgt0..5 always exist (tied idle beyond
    WGT_PORTS); until the streamed-weight RTL lands this is the one check that says so."""
    if not _rtl_has_weight_ports():
        pytest.skip("rtl/spacemimo_accel.v has no m_axi_wgt ports yet (issue 17 item 2)")
    env, widths, _ = vivado.rtl_top_ports({"WGT_DW": 128, "WGT_PORTS": 4})
    for k in range(vivado.WGT_MAX_PORTS):
        assert widths[f"m_axi_wgt{k}_RDATA"] == 128 and widths[f"m_axi_wgt{k}_ARADDR"] == 64
    assert "WGT_PORTS" in env and "WGT_DW" in env


def test_weight_interfaces_follow_wgt_ports(tmp_path: Path) -> None:
    """m_axi_wgt<k> and each of its ports are enabled while WGT_PORTS > k; a disabled port's
    inputs are tied to 0 by the IP wrapper."""
    _, cfg, _ = _config(tmp_path, "pynqz2", SMALL)
    rec = _package(cfg)
    enable = dict((target, expr) for expr, target in rec.properties("enablement_dependency"))
    tied = {target for value, target in rec.properties("driver_value") if value == "0"}
    for k in range(vivado.WGT_MAX_PORTS):
        expr = f"spirit:decode(id('MODELPARAM_VALUE.WGT_PORTS')) > {k}"
        assert enable[f"m_axi_wgt{k}"] == expr
        for sig in ("ARADDR", "ARVALID", "RDATA", "RREADY", "RLAST"):
            assert enable[f"m_axi_wgt{k}_{sig}"] == expr
        assert {f"m_axi_wgt{k}_{s}" for s in ("ARREADY", "RDATA", "RRESP", "RLAST",
                                               "RVALID")} <= tied
    assert not any(t.startswith(("m_axi_gmem", "s_axi_control")) for t in enable)


def test_clock_reset_interrupt_and_address_spaces(tmp_path: Path) -> None:
    """ap_clk is associated with every bus and with ap_rst_n (active low); the interrupt is
    level high; each master has a 64-bit address space, the slave the register block."""
    _, cfg, _ = _config(tmp_path, "zcu104", SMALL)
    rec = _package(cfg)
    params = {obj: value for value, obj in rec.properties("value")}
    buses = {bif for mode, bif in rec.properties("interface_mode")
             if bif.startswith(("s_axi", "m_axi"))}
    assert set(params["ap_clk.ASSOCIATED_BUSIF"].split(":")) == buses
    assert params["ap_clk.ASSOCIATED_RESET"] == "ap_rst_n"
    assert params["ap_rst_n.POLARITY"] == "ACTIVE_LOW"
    assert params["interrupt.SENSITIVITY"] == "LEVEL_HIGH"
    spaces = {obj: value for value, obj in rec.properties("master_address_space_ref")}
    assert set(spaces) == buses - {"s_axi_control"} and all(k == v for k, v in spaces.items())
    assert ("64", "m_axi_gmem") in rec.properties("width")
    assert ("s_axi_control", "s_axi_control") in [
        (v, o) for v, o in rec.properties("slave_memory_map_ref")]


def test_register_block_is_the_spec_register_map(tmp_path: Path) -> None:
    """The s_axi_control address block lists regmap.yaml's registers at their offsets (what
    the .hwh carries and pynq_driver.check_hwh_registers compares)."""
    _, cfg, _ = _config(tmp_path, "kv260", SMALL)
    rec = _package(cfg)
    offsets = {obj: int(value, 16) for value, obj in rec.properties("address_offset")}
    assert offsets == REGMAP.offsets()
    assert ("256", "Reg") in rec.properties("range")
    fields = {obj: int(v) for v, obj in rec.properties("bit_offset")}
    assert fields["AP_DONE"] == 1 and fields["LOAD_PROGRAM"] == 0


def test_vlnv_comes_from_the_spec(tmp_path: Path) -> None:
    """The packaged core and the block design's IP cell carry regmap.yaml's VLNV, read from
    the generated hls/tcl/ip_vlnv.tcl; no Tcl file of the flow writes it out."""
    _, cfg, _ = _config(tmp_path, "pynqz2", SMALL)
    rec = _package(cfg)
    pkg = rec.named("ipx::package_project")[0]
    ip = REGMAP.ip
    assert pkg[pkg.index("-vendor") + 1] == ip.vendor
    assert pkg[pkg.index("-library") + 1] == ip.library
    assert (ip.name, "core") in rec.properties("name")
    assert (ip.version, "core") in rec.properties("version")
    for f in TCL.glob("*.tcl"):
        assert ip.vlnv not in f.read_text() and f"{ip.vendor}:{ip.library}" not in f.read_text()


def test_every_rtl_source_is_packaged(tmp_path: Path) -> None:
    """All of rtl/*.v (as SystemVerilog, as yosys -sv and Icarus -g2012 read them) and the
    generated headers go into the core; spacemimo_accel is the top."""
    _, cfg, _ = _config(tmp_path, "pynqz2", SMALL)
    rec = _package(cfg)
    added = {Path(p).name for c in rec.named("add_files") for p in c[-1].split()}
    rtl = REPO / "rtl"
    assert added == {p.name for p in rtl.glob("*.v")} | {p.name for p in rtl.glob("*.vh")}
    typed = {Path(obj).name: t for t, obj in rec.properties("file_type")}
    assert all(typed[p.name] == "SystemVerilog" for p in rtl.glob("*.v"))
    assert all(typed[p.name] == "Verilog Header" for p in rtl.glob("*.vh"))
    assert ("spacemimo_accel", "") in rec.properties("top")
    included = {c[0] for c in rec.named("ipx::get_files")}
    assert included == {f"*{p.name}" for p in rtl.glob("*.vh")}
    assert len([v for v, _ in rec.properties("is_include") if v == "true"]) == 2 * len(included)


@pytest.mark.parametrize(("board", "build"), DESIGNS)
def test_user_parameters_are_the_builds(board: str, build: str | None, tmp_path: Path) -> None:
    """Every RTL parameter of the build is looked up as a user parameter of the core (Tcl
    errors when the packager did not create it) and is a parameter of the RTL."""
    d, cfg, _ = _config(tmp_path, board, build)
    rec = _package(cfg)
    looked_up = {c[0] for c in rec.named("ipx::get_user_parameters")}
    assert set(d.params) <= looked_up
    env, _, _ = vivado.rtl_top_ports(d.params)
    assert set(d.params) <= set(env)


# --------------------------------------------------------------------------- block design + flow


def _flow(tmp_path: Path, board: str, build: str | None, board_parts: str = ""
          ) -> tuple[vivado.Design, Recorder, Path]:
    d, cfg, out = _config(tmp_path, board, build)
    rec = Recorder(board_parts=board_parts)
    run_tcl(str(TCL / "build.tcl"), rec, argv=[str(cfg)])
    return d, rec, out


@pytest.mark.parametrize(("board", "build"), DESIGNS)
def test_block_design_wires_what_the_ip_has(board: str, build: str | None,
                                            tmp_path: Path) -> None:
    """build.tcl end to end (recorded): the IP cell is the spec's VLNV with the build's
    parameters; every pin of the cell the design connects is an interface or port the IP
    declares; one SmartConnect slave per master; HP ports as wide as the weight ports;
    the interrupt reaches an axi_intc on the PS; the PL clock is the build's."""
    d, rec, _ = _flow(tmp_path, board, build, board_parts="vendor:board:part0:1.0")
    cell = vivado.IP_CELL
    created = {c[-1]: c[c.index("-vlnv") + 1] for c in rec.named("create_bd_cell")}
    assert created[cell] == REGMAP.ip.vlnv
    assert rec.dicts(cell) == {f"CONFIG.{k}": str(v) for k, v in d.params.items()}
    pkg_ifs = {bif for _, bif in rec.properties("interface_mode")}
    pins = {p.split("/", 1)[1] for c in rec.named("get_bd_intf_pins") + rec.named("get_bd_pins")
            for p in c if p.startswith(cell + "/")}
    _, widths, _ = vivado.rtl_top_ports(d.params)
    assert pins <= pkg_ifs | set(widths), pins - pkg_ifs - set(widths)
    wired = [c for c in rec.named("connect_bd_intf_net") if c[0].startswith(cell + "/")]
    masters = sorted(c[0].split("/")[1] for c in wired)
    assert masters == sorted(["m_axi_gmem"] + [f"m_axi_wgt{k}" for k in range(d.wgt_ports)])
    assert any(c[1] == f"{cell}/s_axi_control" for c in rec.named("connect_bd_intf_net"))
    # every SmartConnect: as many slave connections as NUM_SI
    for sc in {c[-1] for c in rec.named("create_bd_cell") if "smartconnect" in " ".join(c)}:
        n_si = int(rec.dicts(sc)["CONFIG.NUM_SI"])
        used = {p for c in rec.named("connect_bd_intf_net") for p in c
                if re.fullmatch(rf"{sc}/S\d\d_AXI", p)}
        assert len(used) == n_si, (sc, used)
    nets = [tuple(c) for c in rec.named("connect_bd_net")]
    assert any(f"{cell}/ap_clk" in n for n in nets) and any(f"{cell}/ap_rst_n" in n for n in nets)
    ps = rec.dicts("ps")
    if d.board.ps == "ps7":
        assert ps["CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ"] == f"{d.clock_mhz:g}"
        for k in range(max(1, d.wgt_ports)):
            assert int(ps[f"CONFIG.PCW_S_AXI_HP{k}_DATA_WIDTH"]) >= d.wgt_dw
    elif d.board.ps == "psu":
        assert ps["CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"] == f"{d.clock_mhz:g}"
        # HPC0 (GP0) carries m_axi_gmem and a sixth weight port; HP0..3 (GP2..5) ports 0..3,
        # HPC1 (GP1) a fifth
        gp0 = max(d.axi_dw, d.wgt_dw) if d.wgt_ports > 5 else d.axi_dw
        assert ps["CONFIG.PSU__SAXIGP0__DATA_WIDTH"] == str(gp0)
        for k in range(min(d.wgt_ports, 5)):
            gp = k + 2 if k < 4 else 1
            assert ps[f"CONFIG.PSU__SAXIGP{gp}__DATA_WIDTH"] == str(d.wgt_dw)
    reset_high = "1" if d.board.ps == "mig" else "0"  # MIG ui_clk_sync_rst / PS resetn
    assert (reset_high, "rst") in rec.properties("CONFIG.C_EXT_RESET_HIGH")
    if d.board.ps != "mig":
        assert (f"{cell}/interrupt", "intc/intr") in nets
        assert ("1", "intc") in rec.properties("CONFIG.C_IRQ_CONNECTION")
    assert rec.named("assign_bd_address") and rec.named("validate_bd_design")



def _weight_port_design(tmp_path: Path, board: str, ports: int, dw: int
                        ) -> tuple[Recorder, list, dict[str, str], dict[str, str]]:
    """The recorded block design of ``board`` with ``ports`` weight ports ``dw`` bits wide:
    the recorder, its interface nets and, per m_axi master of the IP, its SmartConnect and
    the PS/MIG port that SmartConnect's M00_AXI reaches."""
    _, cfg, _ = _config(tmp_path, board, SMALL)
    cfg.write_text(cfg.read_text() + f"set sm_wgt_ports {ports}\nset sm_wgt_dw {dw}\n"
                   f"dict set sm_params WGT_PORTS {ports}\ndict set sm_params WGT_DW {dw}\n")
    rec = Recorder(board_parts="vendor:board:part0:1.0")
    run_tcl(str(TCL / "build.tcl"), rec, argv=[str(cfg)])
    nets = rec.named("connect_bd_intf_net")
    into = {a: b for a, b in nets}
    sc_of = {a.split("/")[1]: b.split("/")[0] for a, b in nets
             if a.startswith(vivado.IP_CELL + "/m_axi")}
    return rec, nets, sc_of, {m: into[f"{sc}/M00_AXI"] for m, sc in sc_of.items()}

@pytest.mark.parametrize(("board", "dw", "ports"), [
    ("pynqz2", 64, ["ps/S_AXI_HP0", "ps/S_AXI_HP1", "ps/S_AXI_HP2", "ps/S_AXI_HP3"]),
    ("kv260", 128, ["ps/S_AXI_HPC0_FPD", "ps/S_AXI_HP0_FPD", "ps/S_AXI_HP1_FPD",
                    "ps/S_AXI_HP2_FPD", "ps/S_AXI_HP3_FPD"]),
    ("vc709", 128, ["mig/S_AXI"])])
def test_block_design_with_four_weight_ports(board: str, dw: int, ports: list[str],
                                             tmp_path: Path) -> None:
    """The wiring of a streamed build (WGT_PORTS=4, as the board builds of issue 17 have):
    weight port k on its own HP port (Zynq-7000: m_axi_gmem shares HP0 with weight port 0;
    UltraScale+: m_axi_gmem on HPC0), each HP port as wide as its masters; the VC709 puts
    every master and the JTAG host on the MIG."""
    rec, nets, _, reached = _weight_port_design(tmp_path, board, 4, dw)
    assert len(reached) == 5
    assert sorted(set(reached.values())) == sorted(ports)
    if board == "pynqz2":
        assert reached["m_axi_gmem"] == reached["m_axi_wgt0"] == "ps/S_AXI_HP0"
        widths = {k: rec.dicts("ps")[f"CONFIG.PCW_S_AXI_HP{k}_DATA_WIDTH"] for k in range(4)}
        assert set(widths.values()) == {"64"}
    elif board == "kv260":
        assert reached["m_axi_gmem"] == "ps/S_AXI_HPC0_FPD"
        assert [reached[f"m_axi_wgt{k}"] for k in range(4)] == [f"ps/S_AXI_HP{k}_FPD"
                                                                for k in range(4)]
        assert all(rec.dicts("ps")[f"CONFIG.PSU__SAXIGP{k}__DATA_WIDTH"] == "128"
                   for k in range(2, 6))
    else:
        assert rec.dicts("sc_mem0")["CONFIG.NUM_SI"] == "6"  # five masters + the JTAG host
        assert ("sc_ctrl/M01_AXI", "sc_mem0/S05_AXI") in nets
        wiz = rec.dicts("clk")
        assert wiz["CONFIG.PRIM_IN_FREQ"] == "200.0"  # the MIG ui_clk's FREQ_HZ, as reported
        assert wiz["CONFIG.CLKOUT1_REQUESTED_OUT_FREQ"] == "100"
        fixed = [c for c in rec.named("assign_bd_address") if "-offset" in c]
        assert fixed[0][fixed[0].index("-offset") + 1] == f"0x{vivado.JTAG_CTRL_BASE:08X}"
        assert fixed[0][-1] == f"{vivado.IP_CELL}/s_axi_control/Reg"
        assert fixed[0][fixed[0].index("-target_address_space") + 1] == "host/Data"


def test_block_design_with_six_weight_ports_on_zynq_ultrascale(tmp_path: Path) -> None:
    """rtl-kv260's six weight ports (UG1085: HP0..3 + HPC0/1 reach the DDR at 128 bit):
    ports 0..3 on S_AXI_HP0..3_FPD, port 4 on S_AXI_HPC1_FPD, port 5 shares S_AXI_HPC0_FPD
    with m_axi_gmem through one SmartConnect; every one of them 128 bits wide."""
    rec, _, sc_of, reached = _weight_port_design(tmp_path, "kv260", 6, 128)
    assert reached == {"m_axi_gmem": "ps/S_AXI_HPC0_FPD", "m_axi_wgt5": "ps/S_AXI_HPC0_FPD",
                       "m_axi_wgt4": "ps/S_AXI_HPC1_FPD",
                       **{f"m_axi_wgt{k}": f"ps/S_AXI_HP{k}_FPD" for k in range(4)}}
    assert sc_of["m_axi_gmem"] == sc_of["m_axi_wgt5"]
    ps = rec.dicts("ps")
    assert all(ps[f"CONFIG.PSU__SAXIGP{g}__DATA_WIDTH"] == "128" for g in range(6))
    assert ps["CONFIG.PSU__USE__S_AXI_GP1"] == "1"


@pytest.mark.parametrize("board", sorted(vivado.BOARDS))
def test_flow_writes_the_files_the_driver_loads(board: str, tmp_path: Path) -> None:
    """build.tcl copies the bitstream and the hand-off to <out>/spacemimo_accel.{bit,hwh}
    and writes the two reports where spacemimo.hw.vivado reads them; the names are the
    ones `spacemimo board selftest` and the PYNQ driver use."""
    from spacemimo.cli.board import DEFAULT_BITSTREAM

    d, rec, out = _flow(tmp_path, board, SMALL, board_parts="vendor:board:part0:1.0")
    files = vivado.outputs(out.resolve())
    copies = {c[-1] for c in rec.named("file") if c[0] == "copy"}
    assert {str(files["bit"]), str(files["hwh"])} <= copies
    written = {c[c.index("-file") + 1] for c in rec.named("report_timing_summary")
               + rec.named("report_utilization")}
    assert {str(files[k]) for k in ("timing", "utilization", "utilization_hier")} <= written
    assert files["bit"].name == DEFAULT_BITSTREAM and files["hwh"].stem == files["bit"].stem
    driver_doc = (REPO / "board" / "pynq_driver.py").read_text()
    assert f"overlay.{vivado.IP_CELL}" in driver_doc
    assert ("write_bitstream" in " ".join(rec.named("launch_runs")[1]))
    project = rec.named("create_project")[-1]
    assert project[project.index("-part") + 1] == d.board.part


def test_board_files_are_optional_on_a_zynq_but_not_on_the_vc709(tmp_path: Path) -> None:
    """Without board files a Zynq design still builds (the PS keeps its defaults, PYNQ
    configures it at boot); the VC709's MIG needs them, and the flow says so."""
    _, rec, _ = _flow(tmp_path / "a", "pynqz2", SMALL, board_parts="")
    assert not rec.named("apply_bd_automation") and rec.named("make_bd_intf_pins_external")
    _, rec, _ = _flow(tmp_path / "b", "pynqz2", SMALL, board_parts="tul.com.tw:pynq-z2:part0:1.0")
    assert any(c[0] == "board_part" and c[1] == "tul.com.tw:pynq-z2:part0:1.0"
               for c in rec.named("set_property"))
    with pytest.raises(TclError, match="needs its board files"):
        _flow(tmp_path / "c", "vc709", SMALL, board_parts="")


def test_old_vivado_is_refused(tmp_path: Path) -> None:
    d, cfg, _ = _config(tmp_path, "kv260", SMALL)
    with pytest.raises(TclError, match="older than 2023.2"):
        run_tcl(str(TCL / "build.tcl"), Recorder(version="2022.2"), argv=[str(cfg)])


@pytest.mark.parametrize(("reads", "verdict"), [
    ([f"{REGMAP.hw_id:08X}", "02340420"], "PASS"),
    (["00000000", "00000000"], "HW_ID reads 0"),
    ([f"{REGMAP.hw_id + 1:08X}", "02340420"], "another register-map version")])
def test_jtag_selftest_reads_the_identity(reads: list[str], verdict: str, tmp_path: Path,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    """VC709 bring-up: the JTAG-to-AXI reads go to the fixed control base + the register
    map's HW_ID / HW_CONFIG offsets, and HW_ID is compared with the spec's."""
    _, cfg, out = _config(tmp_path, "vc709", SMALL)
    out.mkdir()
    (out / f"{vivado.OVERLAY_NAME}.bit").write_bytes(b"bit")
    rec = Recorder(axi_reads=list(reads))
    if verdict == "PASS":
        run_tcl(str(TCL / "jtag_selftest.tcl"), rec, argv=[str(cfg)])
        assert "RESULT: PASS" in capfd.readouterr().out
    else:
        with pytest.raises(TclError, match=verdict):
            run_tcl(str(TCL / "jtag_selftest.tcl"), rec, argv=[str(cfg)])
    offsets = REGMAP.offsets()
    addresses = [c[c.index("-address") + 1] for c in rec.named("create_hw_axi_txn")]
    assert addresses == [f"{vivado.JTAG_CTRL_BASE + offsets[r]:08X}"
                         for r in ("HW_ID", "HW_CONFIG")]
    program = [c for c in rec.named("set_property") if c[0] == "PROGRAM.FILE"]
    assert program[0][1] == str((out / f"{vivado.OVERLAY_NAME}.bit").resolve())


# --------------------------------------------------------------------------- report parsers


def test_utilization_report_7series() -> None:
    util = vivado.parse_utilization((DATA / "utilization_xc7z020.rpt").read_text())
    assert util["LUT"] == vivado.Resource(38412, 53200, 72.20)
    assert util["FF"] == vivado.Resource(21877, 106400, 20.56)
    assert util["BRAM36"] == vivado.Resource(36.5, 140, 26.07)
    assert util["DSP"] == vivado.Resource(164, 220, 74.55)
    assert "URAM" not in util


def test_utilization_report_ultrascale_plus() -> None:
    text = (DATA / "utilization_xczu7ev.rpt").read_text()
    util = vivado.parse_utilization(text)
    assert util["LUT"] == vivado.Resource(141876, 230400, 61.58)
    assert util["FF"] == vivado.Resource(88210, 460800, 19.14)
    assert util["BRAM36"] == vivado.Resource(70, 312, 22.44)
    assert util["URAM"] == vivado.Resource(64, 96, 66.67)
    assert util["DSP"] == vivado.Resource(1152, 1728, 66.67)
    head = vivado.report_header(text)
    assert head["Design State"] == "Routed" and head["Device"] == "xczu7ev-ffvc1156-2-e"


def test_timing_summary_met_and_failed() -> None:
    met = vivado.parse_timing_summary((DATA / "timing_summary_met.rpt").read_text())
    assert met == vivado.Timing(0.412, 0.0, 0, 61584, 0.021, 0.0, 0, 61584, True)
    bad = vivado.parse_timing_summary((DATA / "timing_summary_failed.rpt").read_text())
    assert (bad.wns, bad.tns, bad.tns_failing, bad.tns_total, bad.met) == \
        (-1.274, -318.552, 912, 141007, False)


def test_hierarchical_utilization_of_the_accelerator() -> None:
    """The accelerator's own row (what yosys synthesizes), 7-series and UltraScale+ columns."""
    ip = vivado.parse_utilization_instance(
        (DATA / "utilization_hier_xc7z020.rpt").read_text())
    assert ip == {"LUT": 35694, "FF": 18250, "BRAM36": 36.5, "DSP": 164}
    ip = vivado.parse_utilization_instance(
        (DATA / "utilization_hier_xczu7ev.rpt").read_text())
    assert ip == {"LUT": 132017, "FF": 74822, "BRAM36": 70, "URAM": 64, "DSP": 1152}
    with pytest.raises(vivado.VivadoError, match="no row for instance intc_9"):
        vivado.parse_utilization_instance((DATA / "utilization_hier_xc7z020.rpt").read_text(),
                                          "intc_9")


def test_reports_that_are_not_reports() -> None:
    with pytest.raises(vivado.VivadoError, match="WNS"):
        vivado.parse_timing_summary("Timing Summary Report\n(no data)\n")
    with pytest.raises(vivado.VivadoError, match="LUT"):
        vivado.parse_utilization((DATA / "timing_summary_met.rpt").read_text())


def test_summary_lines_beside_yosys(tmp_path: Path) -> None:
    d = vivado.design("pynqz2", SMALL)
    timing = vivado.parse_timing_summary((DATA / "timing_summary_met.rpt").read_text())
    util = vivado.parse_utilization((DATA / "utilization_xc7z020.rpt").read_text())
    ip = vivado.parse_utilization_instance((DATA / "utilization_hier_xc7z020.rpt").read_text())
    yosys = {"design": SMALL, "LUT": 39564, "DSP48E1": 116, "table": "t.json"}
    lines = vivado.summary(d, timing, util, yosys, ip)
    assert "timing met: WNS 0.412 ns, TNS 0.000 ns (0 of 61584 endpoints failing)" in lines[0]
    assert "| LUT | 38412 | 53200 | 72.20 | 35694 | 39564 |" in lines
    assert "| DSP | 164 | 220 | 74.55 | 164 | 116 |" in lines
    assert "| FF | 21877 | 106400 | 20.56 | 18250 | - |" in lines
    lines = vivado.summary(d, timing, util, None)
    assert lines[-1].startswith(f"(no yosys row for {SMALL}")


def test_yosys_row_per_part_first(tmp_path: Path) -> None:
    """The per-part yosys table's row of the build on the board's part wins over the older
    paper-size table's; its BRAM36 is in tiles, the older one's in RAMB18 (said)."""
    import json

    rows_pp = [{"build": "rtl-pynqz2", "part": "xck26", "LUT": 1},
               {"build": "rtl-pynqz2", "part": "xc7z020", "LUT": 40100, "FF": 20000, "DSP": 150,
                "BRAM36": 20, "URAM": 0}]
    rows_old = [{"design": "RTL 8-bit, 8 lanes (yosys) rtl-pynqz2", "LUT": 9, "BRAM18K": 56}]
    (tmp_path / "resources_per_part.json").write_text(json.dumps({"rows": rows_pp}))
    (tmp_path / "resources.json").write_text(json.dumps({"rows": rows_old}))
    y = vivado.yosys_figures("rtl-pynqz2", "xc7z020", tmp_path)
    assert y is not None and y["LUT"] == 40100
    assert y["table"] == "results/bench_hw/resources_per_part.json"
    (tmp_path / "resources_per_part.json").unlink()
    y = vivado.yosys_figures("rtl-pynqz2", "xc7z020", tmp_path)
    assert y is not None and y["LUT"] == 9
    d = vivado.design("pynqz2", SMALL)
    timing = vivado.parse_timing_summary((DATA / "timing_summary_met.rpt").read_text())
    util = vivado.parse_utilization((DATA / "utilization_xc7z020.rpt").read_text())
    lines = vivado.summary(d, timing, util, y)
    assert "| BRAM36 | 36.5 | 140 | 26.07 | - | 56 (RAMB18) |" in lines
    assert vivado.yosys_figures("rtl-kv260", "xck26", tmp_path) is None
    assert vivado.BOARDS["pynqz2"].part_name == "xc7z020"


# --------------------------------------------------------------------------- CLI


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_missing_vivado_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(vivado, "find_vivado", lambda: None)
    rc, out, err = _run(["bitstream", "--board", "pynqz2", "--rtl-build", SMALL, "--out",
                         str(tmp_path / "o")], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "install AMD Vivado 2023.2 or later" in err and "--dry-run" in err


def test_board_table_is_the_spec() -> None:
    """Part, build and HP ports of every board come from spacemimo/spec/boards.yaml; the flow
    adds only the processor-system kind and the board-file pattern."""
    from spacemimo.spec import boards as spec_boards

    spec = spec_boards.boards()
    assert set(vivado.BOARDS) == set(spec) and not vivado.UNSUPPORTED_BOARDS
    for name, b in vivado.BOARDS.items():
        assert (b.part, b.build, b.title) == (spec[name].part.device, spec[name].build,
                                              spec[name].title)
        if b.ps != "mig":
            assert (b.hp_ports, b.hp_max_bits) == (spec[name].hp_ports, spec[name].hp_port_bits)
    assert {b.ps for b in vivado.BOARDS.values()} == {"ps7", "psu", "mig"}


def _fake_vivado(tmp_path: Path, ok: bool) -> Path:
    """A stand-in ``vivado`` executable: in its working directory (the run's --out) it writes
    what build.tcl leaves there, the reports being the 2023.2-format fixtures; or it fails
    the way Vivado does (ERROR lines in the log given by -log, exit 1)."""
    exe = tmp_path / "bin" / "vivado"
    exe.parent.mkdir()
    if ok:
        body = (f'cp "{DATA}/timing_summary_met.rpt" timing_summary.rpt\n'
                f'cp "{DATA}/utilization_xc7z020.rpt" utilization.rpt\n'
                f'cp "{DATA}/utilization_hier_xc7z020.rpt" utilization_hier.rpt\n'
                "echo bit > spacemimo_accel.bit\necho hwh > spacemimo_accel.hwh\n")
    else:
        body = ('printf "INFO: start\\nERROR: [Synth 8-439] module \'x\' not found\\n" > "$2"\n'
                "exit 1\n")
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(0o755)
    return exe


def test_cli_runs_vivado_and_prints_the_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The flow around Vivado (config, batch run, outputs, parsers, summary) with a stand-in
    executable; and a failing run: exit 1 with Vivado's first ERROR line and the log."""
    exe = _fake_vivado(tmp_path, ok=True)
    monkeypatch.setattr(vivado, "find_vivado", lambda: str(exe))
    out = tmp_path / "o"
    rc, text, err = _run(["bitstream", "--board", "pynqz2", "--rtl-build", SMALL, "--out",
                          str(out)], capsys)
    assert rc == 0, err
    assert f"wrote {out / 'spacemimo_accel.bit'} and {out / 'spacemimo_accel.hwh'}" in text
    assert "timing met: WNS 0.412 ns" in text and "| LUT | 38412 | 53200 | 72.20 | 35694 |" in text
    assert (out / "config.tcl").is_file()
    (tmp_path / "b").mkdir()
    bad = _fake_vivado(tmp_path / "b", ok=False)
    monkeypatch.setattr(vivado, "find_vivado", lambda: str(bad))
    rc, _, err = _run(["bitstream", "--board", "pynqz2", "--rtl-build", SMALL, "--out",
                       str(tmp_path / "o2")], capsys)
    assert rc == 1 and "ERROR: [Synth 8-439]" in err and "vivado.log" in err


def test_bad_board_lists_the_boards(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["bitstream", "--board", "zedboard"], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    for name in vivado.BOARDS:
        assert name in err
    with pytest.raises(vivado.VivadoError, match="choose from kv260, pynqz2, vc709, zcu104"):
        vivado.board("zedboard")


def test_bad_build_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["bitstream", "--board", "kv260", "--rtl-build", "vx690t"], capsys)
    assert rc == 2 and "HLS build" in err and "rtl-small-8" in err
    rc, _, err = _run(["bitstream", "--board", "kv260", "--rtl-build", "nope"], capsys)
    assert rc == 2 and "not in spacemimo/spec/builds.yaml" in err


def test_dry_run_writes_the_configuration(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    rc, text, _ = _run(["bitstream", "--board", "kv260", "--rtl-build", SMALL, "--out", str(out),
                        "--dry-run", "--jobs", "3"], capsys)
    assert rc == 0
    cfg = (out / "config.tcl").read_text()
    assert "set sm_part        xck26-sfvc784-2LV-c" in cfg and "set sm_jobs        3" in cfg
    assert f"-source {TCL / 'build.tcl'} -tclargs {out / 'config.tcl'}" in text
