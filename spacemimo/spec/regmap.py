"""The accelerator's register map, loaded from ``spacemimo/spec/regmap.yaml`` (the one source).

The HLS interface header, the RTL's AXI4-Lite localparams and the docs are generated from it
by ``spacemimo gen`` (``spacemimo.hw.generate``); the PYNQ driver loads it here and decodes
HW_CONFIG with ``RegisterMap.decode``, so nobody writes an offset or a bit field twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

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
    reset: int = 0   # the value after reset (a board is protected before any driver runs)


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
        if not 0 <= reg.reset < 1 << regmap.data_width:
            raise ValueError(f"register {reg.name}: reset {reg.reset:#x} does not fit "
                             f"{regmap.data_width} bits")
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
                 fields=tuple(_field(f) for f in r.get("fields", ())),
                 reset=int(r.get("reset", 0)))
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
    return parse(resources.files("spacemimo.spec").joinpath("regmap.yaml").read_text())


_PYNQ_ACCESS = {"rw": "read-write", "ro": "read-only", "wo": "write-only"}


def pynq_register_map(regmap: RegisterMap) -> dict[str, dict[str, object]]:
    """The ``registers`` dict PYNQ's ``RegisterMap`` expects (hwh-style description)."""
    out: dict[str, dict[str, object]] = {}
    for reg in regmap.registers:
        out[reg.name] = {
            "address_offset": reg.offset, "size": regmap.data_width,
            "access": _PYNQ_ACCESS[reg.access], "description": reg.doc,
            "fields": {f.name: {"bit_offset": f.bit, "bit_width": f.width, "description": f.doc,
                                "access": _PYNQ_ACCESS[f.access]}
                       for f in reg.fields},
        }
    return out
