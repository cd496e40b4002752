"""Small AXI bus models for the cocotb testbenches (cocotbext-axi is not installed).

``AxiMemory`` is an AXI4 slave memory (INCR bursts, any data width) served by one coroutine
that samples every handshake on the rising edge and drives the next cycle's outputs, with
random stalls on all five channels (``stall`` = probability a ready/valid is held low in a
cycle), optional SLVERR address ranges and a ``hang`` switch that stops it answering.
``AxiLiteMaster`` drives register reads/writes with random AW/W skew.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import cocotb
from cocotb.triggers import RisingEdge


def _int(sig: Any) -> int:
    """Integer value of a signal; X/Z bits read as 0."""
    try:
        return int(sig.value)
    except ValueError:
        return int(str(sig.value).replace("x", "0").replace("X", "0").replace("z", "0")
                   .replace("Z", "0"), 2)


class AxiMemory:
    """AXI4 memory slave on ``{prefix}_AR*/R*/AW*/W*/B*`` of ``dut``."""

    def __init__(self, dut: Any, clk: Any, rst_n: Any, prefix: str = "m_axi_gmem",
                 size: int = 1 << 20, data_width: int = 64, stall: float = 0.0,
                 seed: int = 0) -> None:
        self.dut, self.clk, self.rst_n = dut, clk, rst_n
        self.mem = bytearray(size)
        self.bpb = data_width // 8
        self.stall = stall
        self.rng = random.Random(seed)
        self.error_ranges: list[tuple[int, int]] = []
        self.hang = False
        self.stats = {"ar": 0, "r": 0, "aw": 0, "w": 0, "b": 0}
        s = {n: getattr(dut, f"{prefix}_{n}") for n in (
            "ARADDR", "ARLEN", "ARVALID", "ARREADY", "RDATA", "RRESP", "RLAST", "RVALID",
            "RREADY", "AWADDR", "AWLEN", "AWVALID", "AWREADY", "WDATA", "WSTRB", "WLAST",
            "WVALID", "WREADY", "BRESP", "BVALID", "BREADY")}
        self.s = s
        self._reset_state()
        for n in ("ARREADY", "RVALID", "RLAST", "AWREADY", "WREADY", "BVALID"):
            s[n].value = 0
        s["RDATA"].value = 0
        s["RRESP"].value = 0
        s["BRESP"].value = 0
        self._task = cocotb.start_soon(self._run())

    def _reset_state(self) -> None:
        self.rq: deque[list[int]] = deque()  # [addr, beats_left]
        self.awq: deque[list[int]] = deque()
        self.bq: deque[int] = deque()
        self.r_out: tuple[int, int, int] | None = None  # (data, resp, last) being presented
        self.b_out: int | None = None
        self.arready = self.awready = self.wready = 0

    # --- memory access ---------------------------------------------------------------------
    def write(self, addr: int, data: bytes) -> None:
        """Back-door write (test set-up)."""
        self.mem[addr:addr + len(data)] = data

    def read(self, addr: int, n: int) -> bytes:
        """Back-door read (scoreboard)."""
        return bytes(self.mem[addr:addr + n])

    def _err(self, addr: int) -> bool:
        return any(lo <= addr < hi for lo, hi in self.error_ranges)

    def _go(self) -> bool:
        return self.rng.random() >= self.stall

    # --- the bus ---------------------------------------------------------------------------
    async def _run(self) -> None:
        s = self.s
        while True:
            await RisingEdge(self.clk)
            if not _int(self.rst_n):
                self._reset_state()
                for n in ("ARREADY", "RVALID", "AWREADY", "WREADY", "BVALID"):
                    s[n].value = 0
                continue
            # sample the handshakes of the edge that just happened
            if self.arready and _int(s["ARVALID"]):
                self.rq.append([_int(s["ARADDR"]), _int(s["ARLEN"]) + 1])
                self.stats["ar"] += 1
            if self.r_out is not None and _int(s["RREADY"]):
                self.r_out = None
                self.stats["r"] += 1
            if self.awready and _int(s["AWVALID"]):
                self.awq.append([_int(s["AWADDR"]), _int(s["AWLEN"]) + 1, 0])
                self.stats["aw"] += 1
            if self.wready and _int(s["WVALID"]):
                self._take_w(_int(s["WDATA"]), _int(s["WSTRB"]), _int(s["WLAST"]))
            if self.b_out is not None and _int(s["BREADY"]):
                self.b_out = None
                self.stats["b"] += 1
            # drive the next cycle
            hang = self.hang
            self.arready = int(not hang and len(self.rq) < 4 and self._go())
            s["ARREADY"].value = self.arready
            if self.r_out is None and self.rq and not hang and self._go():
                req = self.rq[0]
                addr = req[0]
                data = int.from_bytes(self.mem[addr:addr + self.bpb], "little")
                resp = 2 if self._err(addr) else 0
                req[0] += self.bpb
                req[1] -= 1
                last = int(req[1] == 0)
                if last:
                    self.rq.popleft()
                self.r_out = (data, resp, last)
                s["RDATA"].value = data
                s["RRESP"].value = resp
                s["RLAST"].value = last
            s["RVALID"].value = int(self.r_out is not None)
            self.awready = int(not hang and len(self.awq) < 4 and self._go())
            s["AWREADY"].value = self.awready
            self.wready = int(not hang and bool(self.awq) and self._go())
            s["WREADY"].value = self.wready
            if self.b_out is None and self.bq and not hang and self._go():
                self.b_out = self.bq.popleft()
                s["BRESP"].value = self.b_out
            s["BVALID"].value = int(self.b_out is not None)

    def _take_w(self, data: int, strb: int, last: int) -> None:
        aw = self.awq[0]
        addr = aw[0] + aw[2] * self.bpb
        raw = data.to_bytes(self.bpb, "little")
        for i in range(self.bpb):
            if strb >> i & 1:
                self.mem[addr + i] = raw[i]
        aw[2] += 1
        self.stats["w"] += 1
        if aw[2] == aw[1]:
            if not last:
                raise AssertionError(f"WLAST missing on beat {aw[2]} of a {aw[1]}-beat burst")
            self.awq.popleft()
            self.bq.append(2 if self._err(aw[0]) else 0)
        elif last:
            raise AssertionError(f"WLAST early on beat {aw[2]} of a {aw[1]}-beat burst")


class AxiLiteMaster:
    """AXI4-Lite master on ``{prefix}_*`` with random idle cycles and AW/W skew."""

    def __init__(self, dut: Any, clk: Any, prefix: str = "s_axi_control", stall: float = 0.0,
                 seed: int = 1, timeout_cycles: int = 1000) -> None:
        self.clk = clk
        self.s = {n: getattr(dut, f"{prefix}_{n}") for n in (
            "AWADDR", "AWVALID", "AWREADY", "WDATA", "WSTRB", "WVALID", "WREADY", "BRESP",
            "BVALID", "BREADY", "ARADDR", "ARVALID", "ARREADY", "RDATA", "RRESP", "RVALID",
            "RREADY")}
        self.stall = stall
        self.rng = random.Random(seed)
        self.timeout = timeout_cycles
        for n in ("AWVALID", "WVALID", "BREADY", "ARVALID", "RREADY", "AWADDR", "WDATA",
                  "ARADDR"):
            self.s[n].value = 0
        self.s["WSTRB"].value = 0xF

    async def _idle(self) -> None:
        while self.rng.random() < self.stall:
            await RisingEdge(self.clk)

    async def write(self, addr: int, data: int) -> None:
        """One register write (AW and W with random skew); raises on timeout."""
        s = self.s
        await self._idle()
        s["AWADDR"].value = addr
        s["WDATA"].value = data & 0xFFFFFFFF
        s["WSTRB"].value = 0xF
        skew = self.rng.choice((0, 0, 1, 2)) if self.stall else 0
        aw_v, w_v = 1, int(skew == 0)
        s["AWVALID"].value = aw_v
        s["WVALID"].value = w_v
        aw_done = w_done = False
        for cyc in range(self.timeout):
            await RisingEdge(self.clk)
            if aw_v and _int(s["AWREADY"]):
                aw_done, aw_v = True, 0
            if w_v and _int(s["WREADY"]):
                w_done, w_v = True, 0
            if not w_done and cyc + 1 >= skew:
                w_v = 1
            s["AWVALID"].value = aw_v
            s["WVALID"].value = w_v
            if aw_done and w_done:
                break
        else:
            raise TimeoutError(f"AXI-Lite write {addr:#x}: no AW/W handshake")
        s["BREADY"].value = 1
        for _ in range(self.timeout):
            await RisingEdge(self.clk)
            if _int(s["BVALID"]):
                s["BREADY"].value = 0
                return
        raise TimeoutError(f"AXI-Lite write {addr:#x}: no B response")

    async def read(self, addr: int) -> int:
        """One register read; raises on timeout."""
        s = self.s
        await self._idle()
        s["ARADDR"].value = addr
        s["ARVALID"].value = 1
        for _ in range(self.timeout):
            await RisingEdge(self.clk)
            if _int(s["ARREADY"]):
                break
        else:
            raise TimeoutError(f"AXI-Lite read {addr:#x}: no AR handshake")
        s["ARVALID"].value = 0
        s["RREADY"].value = 1
        for _ in range(self.timeout):
            await RisingEdge(self.clk)
            if _int(s["RVALID"]):
                data = _int(s["RDATA"])
                s["RREADY"].value = 0
                return data
        raise TimeoutError(f"AXI-Lite read {addr:#x}: no R response")
