"""The accelerator's register map, loaded from ``board/regmap.yaml`` (the single source).

The HLS interface header, the RTL's AXI4-Lite localparams, the PYNQ driver and the docs all
need the same offsets; they are generated here (``emit_*``) and ``tests/test_regmap.py`` fails
when a committed copy is stale, so nobody edits offsets in two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

GENERATED_NOTE = "generated from board/regmap.yaml by spacemimo.board.regmap — do not edit"

ACCESS = ("rw", "ro", "wo")


@dataclass(frozen=True)
class Field:
    """A field of a register: ``width`` bits from bit ``bit`` up (width 1: a flag)."""

    name: str
    bit: int
    access: str
    doc: str = ""
    width: int = 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.bit

    def value(self, word: int) -> int:
        """This field's value in a register word."""
        return (int(word) >> self.bit) & ((1 << self.width) - 1)


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str
    doc: str = ""
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class IpId:
    """The packaged IP's identity; ``vlnv`` is what PYNQ matches ``bindto`` against."""

    vendor: str
    library: str
    name: str
    version: str

    @property
    def vlnv(self) -> str:
        return f"{self.vendor}:{self.library}:{self.name}:{self.version}"


@dataclass(frozen=True)
class RegisterMap:
    name: str
    version: int
    data_width: int
    addr_width: int
    registers: tuple[Register, ...]
    ip: IpId = IpId("spacemimo", "hls", "spacemimo_accel", "1.0")

    def __getitem__(self, name: str) -> Register:
        for reg in self.registers:
            if reg.name == name:
                return reg
        raise KeyError(f"no register {name!r} in {self.name}")

    @property
    def hw_id(self) -> int:
        """Value of HW_ID: ASCII 'SM' in the top half, the map version in the bottom."""
        return 0x534D0000 | self.version

    def offsets(self) -> dict[str, int]:
        return {reg.name: reg.offset for reg in self.registers}

    def decode(self, name: str, word: int) -> dict[str, int]:
        """A register word split into its named fields (e.g. HW_CONFIG for the self-test)."""
        return {f.name: f.value(word) for f in self[name].fields}

    def encode(self, name: str, **values: int) -> int:
        """The register word with the named fields set (the inverse of ``decode``)."""
        fields = {f.name: f for f in self[name].fields}
        word = 0
        for key, v in values.items():
            f = fields[key]
            if not 0 <= int(v) < 1 << f.width:
                raise ValueError(f"{name}.{key} = {v} does not fit {f.width} bits")
            word |= int(v) << f.bit
        return word


def _check(regmap: RegisterMap) -> None:
    seen: dict[int, str] = {}
    limit = 1 << regmap.addr_width
    for reg in regmap.registers:
        if reg.access not in ACCESS:
            raise ValueError(f"register {reg.name}: access {reg.access!r} not in {ACCESS}")
        if reg.offset % 4 or not 0 <= reg.offset < limit:
            raise ValueError(f"register {reg.name}: offset {reg.offset:#x} not word aligned "
                             f"inside {limit:#x}")
        if reg.offset in seen:
            raise ValueError(f"registers {seen[reg.offset]} and {reg.name} share offset "
                             f"{reg.offset:#x}")
        seen[reg.offset] = reg.name
        used = 0
        for f in reg.fields:
            if f.width < 1 or f.bit < 0 or f.bit + f.width > regmap.data_width or used & f.mask:
                raise ValueError(f"register {reg.name}: field {f.name} (bits {f.bit}.."
                                 f"{f.bit + f.width - 1}) overlaps another or is out of range")
            used |= f.mask


def _field(raw: dict) -> Field:
    """``bit: n`` (a flag) or ``bits: [msb, lsb]`` (a multi-bit field)."""
    if "bits" in raw:
        msb, lsb = (int(b) for b in raw["bits"])
        if msb < lsb:
            raise ValueError(f"field {raw['name']}: bits [{msb}, {lsb}] must be [msb, lsb]")
        bit, width = lsb, msb - lsb + 1
    else:
        bit, width = int(raw["bit"]), 1
    return Field(raw["name"], bit, raw["access"], raw.get("doc", ""), width)


def parse(text: str) -> RegisterMap:
    """Parse and validate register-map YAML (offsets unique, aligned, in range)."""
    raw = yaml.safe_load(text)
    regs = tuple(
        Register(name=r["name"], offset=int(r["offset"]), access=r["access"], doc=r.get("doc", ""),
                 fields=tuple(_field(f) for f in r.get("fields", ())))
        for r in raw["registers"])
    extra = {"ip": IpId(**{k: str(v) for k, v in raw["ip"].items()})} if "ip" in raw else {}
    regmap = RegisterMap(raw["name"], int(raw["version"]), int(raw["data_width"]),
                         int(raw["addr_width"]), regs, **extra)
    _check(regmap)
    return regmap


def load(path: Path | None = None) -> RegisterMap:
    """The project's register map (the packaged ``regmap.yaml`` unless ``path`` is given)."""
    if path is not None:
        return parse(Path(path).read_text())
    return parse(resources.files("spacemimo.board").joinpath("regmap.yaml").read_text())


# --- generated copies -----------------------------------------------------------------------

def c_header(regmap: RegisterMap) -> str:
    """``hls/src/regmap.h``: offsets for the HLS INTERFACE pragmas and the C-sim driver."""
    lines = [f"// {GENERATED_NOTE}", "#ifndef SPACEMIMO_REGMAP_H", "#define SPACEMIMO_REGMAP_H",
             "", "namespace regmap {", "",
             f"constexpr unsigned VERSION = {regmap.version};",
             f"constexpr unsigned HW_ID_VALUE = 0x{regmap.hw_id:08X}u;",
             f"constexpr unsigned ADDR_WIDTH = {regmap.addr_width};", ""]
    for reg in regmap.registers:
        lines.append(f"constexpr unsigned {reg.name} = 0x{reg.offset:02X};  // {reg.doc}")
        for f in reg.fields:
            lines.append(f"constexpr unsigned {reg.name}_{f.name}_BIT = {f.bit};")
            if f.width > 1:
                lines.append(f"constexpr unsigned {reg.name}_{f.name}_WIDTH = {f.width};")
    lines += ["", "}  // namespace regmap", "", "#endif  // SPACEMIMO_REGMAP_H", ""]
    return "\n".join(lines)


def verilog_header(regmap: RegisterMap) -> str:
    """``rtl/regmap.vh``: localparams for the AXI4-Lite slave (include inside a module)."""
    lines = [f"// {GENERATED_NOTE}",
             f"localparam integer REGMAP_VERSION = {regmap.version};",
             f"localparam [31:0] REGMAP_HW_ID = 32'h{regmap.hw_id:08X};",
             f"localparam integer REGMAP_ADDR_W = {regmap.addr_width};"]
    for reg in regmap.registers:
        lines.append(f"localparam [{regmap.addr_width - 1}:0] REG_{reg.name} = "
                     f"{regmap.addr_width}'h{reg.offset:02X};  // {reg.doc}")
        for f in reg.fields:
            lines.append(f"localparam integer REG_{reg.name}_{f.name} = {f.bit};")
            if f.width > 1:
                lines.append(f"localparam integer REG_{reg.name}_{f.name}_W = {f.width};")
    return "\n".join(lines) + "\n"


def markdown(regmap: RegisterMap) -> str:
    """The register table for the docs (board/REGISTERS.md)."""
    lines = [f"<!-- {GENERATED_NOTE} -->", f"# {regmap.name} registers (map v{regmap.version})",
             "", f"IP VLNV `{regmap.ip.vlnv}`; HW_ID reads `0x{regmap.hw_id:08X}`.",
             "", "| offset | name | access | meaning |", "|---|---|---|---|"]
    for reg in regmap.registers:
        lines.append(f"| 0x{reg.offset:02X} | {reg.name} | {reg.access} | {reg.doc} |")
        for f in reg.fields:
            span = (f"bit {f.bit}" if f.width == 1
                    else f"bits {f.bit + f.width - 1}:{f.bit}")
            lines.append(f"| | .{f.name} ({span}) | {f.access} | {f.doc} |")
    return "\n".join(lines) + "\n"


def pynq_register_map(regmap: RegisterMap) -> dict[str, dict[str, object]]:
    """The ``registers`` dict PYNQ's ``RegisterMap`` expects (hwh-style description)."""
    out: dict[str, dict[str, object]] = {}
    for reg in regmap.registers:
        out[reg.name] = {
            "address_offset": reg.offset, "size": regmap.data_width,
            "access": {"rw": "read-write", "ro": "read-only", "wo": "write-only"}[reg.access],
            "description": reg.doc,
            "fields": {f.name: {"bit_offset": f.bit, "bit_width": f.width, "description": f.doc,
                                "access": {"rw": "read-write", "ro": "read-only",
                                           "wo": "write-only"}[f.access]}
                       for f in reg.fields},
        }
    return out


def vlnv_tcl(regmap: RegisterMap) -> str:
    """``hls/tcl/ip_vlnv.tcl``: the IP identity for ``config_export`` (run_hls.tcl sources it),
    so the exported IP carries the VLNV the PYNQ driver binds to."""
    ip = regmap.ip
    return "\n".join([f"# {GENERATED_NOTE}",
                      f"# The packaged IP's VLNV: {ip.vlnv} (PYNQ's bindto matches it).",
                      f"set ip_vendor  {ip.vendor}", f"set ip_library {ip.library}",
                      f"set ip_name    {ip.name}", f"set ip_version {ip.version}", ""])


def generated_files(repo: Path) -> dict[Path, str]:
    """Every generated copy, by path relative to the repository root."""
    regmap = load(repo / "board" / "regmap.yaml")
    return {Path("hls/src/regmap.h"): c_header(regmap),
            Path("rtl/regmap.vh"): verilog_header(regmap),
            Path("board/REGISTERS.md"): markdown(regmap),
            Path("hls/tcl/ip_vlnv.tcl"): vlnv_tcl(regmap)}


def write_generated(repo: Path) -> list[Path]:
    """(Re)write the generated copies under ``repo``; returns the paths written."""
    written = []
    for rel, text in generated_files(repo).items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    import sys

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for p in write_generated(root):
        print(p)
