"""The PYNQ driver: ``ol.spacemimo_accel_0`` *is* the accelerator driver.

Importing this module registers :class:`SpacemimoAccel` with PYNQ for the IP's VLNV (taken
from spacemimo/spec/regmap.yaml, the one place it is written), so ``Overlay("spacemimo_accel.bit")``
binds it with no further call::

    import spacemimo.board.pynq_driver            # registers the driver
    from pynq import Overlay
    ol = Overlay("spacemimo_accel.bit")
    accel = ol.spacemimo_accel_0                   # a SpacemimoAccel
    accel.load(program)
    result = accel.run(x_int)                      # or: await accel.run_async(x_int)

``pynq`` is imported at module level (on a machine without a board it imports, and
``Overlay``/``allocate`` raise "No Devices Found").
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pynq
from pynq import DefaultIP

from spacemimo.board.driver import AccelDriver, poll_done, poll_done_async
from spacemimo.spec import regmap as rm

REGMAP = rm.load()
VLNV = REGMAP.ip.vlnv


class PynqAccess:
    """HardwareAccess over a PYNQ ``DefaultIP``: MMIO registers, ``pynq.allocate`` buffers on
    the IP's device, the ``interrupt`` pin through PYNQ's ``Interrupt`` when the overlay wires
    it (async runs), CTRL.AP_DONE polling otherwise and for blocking runs (PYNQ's own
    convention: its ``Interrupt`` only has a coroutine ``wait`` bound to an event loop)."""

    def __init__(self, ip: DefaultIP, regmap: rm.RegisterMap = REGMAP) -> None:
        self.ip = ip
        self.regmap = regmap

    @property
    def interrupt(self) -> Any:
        return getattr(self.ip, "interrupt", None)

    def read(self, offset: int) -> int:
        return int(self.ip.mmio.read(offset))

    def write(self, offset: int, value: int) -> None:
        self.ip.mmio.write(offset, int(value))

    def allocate(self, nbytes: int) -> Any:
        return pynq.allocate(shape=(int(nbytes),), dtype=np.uint8, target=self.ip.device)

    def free(self, buf: Any) -> None:
        buf.freebuffer()

    def wait_done(self, timeout_s: float) -> bool:
        return poll_done(self, self.regmap, timeout_s)

    async def wait_done_async(self, timeout_s: float) -> bool:
        import asyncio

        if self.interrupt is None:
            return await poll_done_async(self, self.regmap, timeout_s)
        try:
            await asyncio.wait_for(self.interrupt.wait(), timeout_s)
        except asyncio.TimeoutError:
            return False
        return True

    def now(self) -> float:
        return time.monotonic()


class SpacemimoAccel(DefaultIP, AccelDriver):
    """``overlay.spacemimo_accel_0``: PYNQ binds it by VLNV; load/run/run_async/status are
    :class:`~spacemimo.board.driver.AccelDriver`'s (``read``/``write`` stay PYNQ's MMIO)."""

    bindto = [VLNV]

    def __init__(self, description: dict[str, Any], timeout_s: float = 2.0) -> None:
        DefaultIP.__init__(self, description=description)
        self._init_driver(PynqAccess(self), REGMAP, timeout_s, None)
        self.check_hwh_registers()

    def check_hwh_registers(self) -> None:
        """The .hwh register description (when present) must put our registers at our
        offsets; a mismatch means the bitstream/.hwh is not this register-map version."""
        described = getattr(self, "_registers", None) or {}
        ours = REGMAP.offsets()
        bad = [f"{name} at {int(d['address_offset']):#x} (ours {ours[name]:#x})"
               for name, d in described.items()
               if name in ours and int(d["address_offset"]) != ours[name]]
        if bad:
            from spacemimo.board.driver import WrongHardwareError

            raise WrongHardwareError("the .hwh's register map differs from "
                                     f"spacemimo/spec/regmap.yaml v{REGMAP.version}: "
                                     + ", ".join(bad)
                                     + " (bitstream/.hwh built from another version)",
                                     source="host")
