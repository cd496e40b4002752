"""A board's memory system as the accelerator's AXI read masters see it (cocotb).

The benchmark measures cycles per inference on a board, so the simulated memory must not be
faster than the board's: cocotbext-axi's ``AxiRam`` answers a burst at once and one beat per
cycle on every port. ``BoardMemory`` throttles the R channels of the RAM models it is given to
what the board delivers (spacemimo/spec/boards.yaml):

* **Latency per burst**: a burst's beats enter the RAM model's R queue no earlier than
  ``read_latency`` cycles after its own AR handshake (outstanding bursts overlap their
  latencies; they leave in order per port, as AXI's single ID requires), an assumption stated
  in boards.yaml, not a measurement.
* **Read acceptance**: a port queues up to ``read_acceptance`` bursts before it stalls AR
  (cocotbext-axi's ``AxiRam`` queues 2, which would cap the bursts in flight below what a PS
  port takes and charge the RTL the latency of every third burst).
* **Port width**: one beat per cycle per port, of the port's own width (the RTL's).
* **DDR bandwidth**: all read ports share one token bucket filled with the DDR's peak bytes per
  fabric cycle times the controller's efficiency (``ddr_efficiency``, UG585 22.3.2: 75 %); a
  port sends a beat only while the bucket is not in debt, so the sum over ports never exceeds
  the DDR's rate over any window longer than a few beats.

Writes (the outputs: 64 bytes per GSM inference) are not throttled. ``stats()`` returns what
was measured (beats, bytes, the smallest first-beat latency seen, the busy window) so a test
can assert that the model held the board's limits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cocotb.triggers import RisingEdge

from spacemimo.spec.boards import Board


@dataclass
class _Port:
    prefix: str
    beat_bytes: int
    read_if: Any
    bursts: deque[int] = field(default_factory=deque)  # AR handshake cycles, oldest first
    ar_cycles: list[int] = field(default_factory=list)  # every AR handshake cycle, in order
    served: int = 0        # bursts the RAM model has started to answer
    first_beat_queued: bool = True  # the next beat the RAM model queues starts a burst
    first_beat: bool = True
    beats: int = 0


@dataclass
class MemoryStats:
    """What the model let through: the figures its limits are checked against."""

    beats: int
    bytes: int
    first_cycle: int | None
    last_cycle: int | None
    min_latency: int | None  # cycles from an AR handshake to its first R beat
    max_outstanding: int     # most bursts of one port between AR handshake and last beat

    @property
    def bytes_per_cycle(self) -> float:
        if self.first_cycle is None or self.last_cycle is None:
            return 0.0
        return self.bytes / max(1, self.last_cycle - self.first_cycle + 1)


class BoardMemory:
    """Throttle the R channels of ``ports`` ((signal prefix, AxiRam read interface) pairs,
    e.g. ``("m_axi_wgt0", ram.read_if)``) to ``board``'s latency and DDR bandwidth at
    ``clock_mhz``. Replaces any pause generator on those R channels; call ``start()``."""

    def __init__(self, dut: Any, board: Board, clock_mhz: float,
                 ports: list[tuple[str, Any]], efficiency: bool = True) -> None:
        self.dut = dut
        self.board = board
        self.rate = board.ddr_bytes_per_cycle(clock_mhz, efficiency=efficiency)
        self.latency = board.read_latency
        self.ports = [_Port(prefix, len(getattr(dut, f"{prefix}_RDATA")) // 8, read_if)
                      for prefix, read_if in ports]
        self.tokens = 0.0
        self.cycle = 0
        self.min_latency: int | None = None
        self.max_outstanding = 0
        self.first_cycle: int | None = None
        self.last_cycle: int | None = None
        self.bytes = 0
        # a bucket that may hold a few beats of every port: bursts start at full rate
        self.cap = 2.0 * sum(p.beat_bytes for p in self.ports)

    def start(self) -> None:
        import cocotb

        for port in self.ports:
            # the one the RAM model is answering + the queued ones = read_acceptance
            port.read_if.ar_channel.queue_occupancy_limit = max(1, self.board.read_acceptance - 1)
            port.read_if.r_channel.set_pause_generator(self._pauses())
            port.read_if.r_channel.send = self._delayed_send(port, port.read_if.r_channel.send)
        cocotb.start_soon(self._monitor())

    def _pauses(self) -> Iterator[bool]:
        """The DDR's rate: a port may present a beat while the shared bucket is not in debt."""
        while True:
            yield self.tokens < 0.0

    def _delayed_send(self, port: _Port, send: Any) -> Any:
        """The RAM model's R queue, entered no earlier than read_latency cycles after the
        burst's own AR handshake (so bursts overlap their latencies, as a DDR controller's
        queue does, and a burst behind another never starts early)."""
        edge = RisingEdge(self.dut.ap_clk)

        async def delayed(beat: Any) -> None:
            if port.first_beat_queued:
                k = port.served
                port.served += 1
                while len(port.ar_cycles) <= k:  # the monitor records it at this edge
                    await edge
                while self.cycle < port.ar_cycles[k] + self.latency:
                    await edge
            port.first_beat_queued = bool(int(beat.rlast))
            await send(beat)

        return delayed

    async def _monitor(self) -> None:
        dut, edge = self.dut, RisingEdge(self.dut.ap_clk)
        sig = {p.prefix: {s: getattr(dut, f"{p.prefix}_{s}") for s in
                          ("ARVALID", "ARREADY", "RVALID", "RREADY", "RLAST")}
               for p in self.ports}
        while True:
            await edge
            self.cycle += 1
            self.tokens = min(self.cap, self.tokens + self.rate)
            for port in self.ports:
                s = sig[port.prefix]
                if int(s["ARVALID"].value) and int(s["ARREADY"].value):
                    port.bursts.append(self.cycle)
                    port.ar_cycles.append(self.cycle)
                    self.max_outstanding = max(self.max_outstanding, len(port.bursts))
                if int(s["RVALID"].value) and int(s["RREADY"].value):
                    self._beat(port, bool(int(s["RLAST"].value)))

    def _beat(self, port: _Port, last: bool) -> None:
        self.tokens -= port.beat_bytes
        self.bytes += port.beat_bytes
        port.beats += 1
        if self.first_cycle is None:
            self.first_cycle = self.cycle
        self.last_cycle = self.cycle
        if port.first_beat and port.bursts:
            lat = self.cycle - port.bursts[0]
            self.min_latency = lat if self.min_latency is None else min(self.min_latency, lat)
        port.first_beat = last
        if last and port.bursts:
            port.bursts.popleft()

    def reset_stats(self) -> None:
        """Start counting afresh (e.g. after the program load, to measure inferences only)."""
        self.bytes, self.first_cycle, self.last_cycle, self.min_latency = 0, None, None, None
        self.max_outstanding = 0
        for port in self.ports:
            port.beats = 0

    def stats(self) -> MemoryStats:
        return MemoryStats(beats=sum(p.beats for p in self.ports), bytes=self.bytes,
                           first_cycle=self.first_cycle, last_cycle=self.last_cycle,
                           min_latency=self.min_latency, max_outstanding=self.max_outstanding)
