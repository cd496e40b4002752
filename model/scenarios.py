"""Short scenario names for the CLI, each pointing at one paper preset in ``model/presets``."""

from __future__ import annotations

from spacemimo.model.presets import list_presets

# alias -> preset file stem (named after the paper setting)
SCENARIO_ALIASES: dict[str, str] = {
    "gsm": "gsm_s4_m4_k4",
    "zhou": "zhou_upa8x8_k10",
    "rayleigh": "modelgnn_n8_k4",
    "multicell": "modelgnn_multicell",
    "multisat_mimo": "multisat_mimo_s2_m64_n4",
}


def resolve_scenario(name: str) -> str:
    """Preset name for an alias or a preset name; ValueError listing both kinds otherwise."""
    if name in SCENARIO_ALIASES:
        return SCENARIO_ALIASES[name]
    presets = list_presets()
    if name in presets:
        return name
    raise ValueError(f"unknown scenario {name!r}; aliases: {', '.join(SCENARIO_ALIASES)}; "
                     f"presets: {', '.join(presets)}")
