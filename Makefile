# spacemimo — top-level entry points. Every target that runs Python does its own set-up first
# (scripts/setup.sh is idempotent), so `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
SPACEMIMO := $(VENV)/bin/spacemimo
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k channels -x"
PYTEST_ARGS ?=
RESULTS ?= results

.PHONY: help setup demo test lint bench freeze wheel clean

help:
	@echo "make demo    set up, then the main job on a small default: baselines, train, QAT, compile, golden, C-sim"
	@echo "make test    set up, then lint and run the test suite (what CI runs)"
	@echo "make bench   set up, then run the slow benchmarks (results/bench, results/baselines)"
	@echo "make reproduce  set up, then train and evaluate the papers' tables/figures (results/eval; long)"
	@echo "make lint    ruff over the Python sources"
	@echo "make wheel   build a wheel into dist/"
	@echo "make freeze  rewrite requirements/constraints.txt from the current venv"
	@echo "make cosim   set up, then the RTL co-simulation, memory-safety probes and driver-on-RTL tests"
	@echo "make selftest-sim  set up, then the board self-test against the simulated RTL (8 and 16 bit)"
	@echo "make clean   remove build outputs (keeps .venv and results/)"

setup:
	@scripts/setup.sh

DEMO ?= $(RESULTS)/demo
# The main job end to end on a small default: scenario + baselines, a short GSM GNN training
# run (paper-size net, 20 steps), 8-bit QAT, lowering to the accelerator program (golden ==
# Brevitas checked), golden vectors, and our HLS kernel's C-simulation (0 mismatches required).
demo: setup
	$(SPACEMIMO) baselines --scenario gsm --samples 100 --out $(RESULTS)/baselines
	$(SPACEMIMO) baselines --scenario rayleigh --samples 100 --out $(RESULTS)/baselines
	$(SPACEMIMO) train --config gsm_local --steps 20 --eval-every 10 --out $(DEMO)/train
	$(SPACEMIMO) qat --from $(DEMO)/train/best.pt --bits 8 --steps 10 --calib 256 --test 200 --out $(DEMO)/qat
	$(SPACEMIMO) compile --from $(DEMO)/qat/gsm_local_qat8.pt --out $(DEMO)/gsm_local_8bit.smp --check 200
	$(SPACEMIMO) golden --program $(DEMO)/gsm_local_8bit.smp --out $(DEMO)/vectors -n 32
	$(SPACEMIMO) csim $(DEMO)/vectors

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(SPACEMIMO) bench baselines --scenario rayleigh --out $(RESULTS)/bench
	$(SPACEMIMO) bench baselines --scenario gsm --out $(RESULTS)/bench
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

wheel: setup
	$(PY) -m build --wheel --outdir dist .

freeze: setup
	{ head -2 requirements/constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^spacemimo'; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache

# Paper reproduction (003 Tables II/III, Fig. 6; 002 Fig. 7): trains every net it needs, reusing
# finished checkpoints under $(RESULTS)/eval/checkpoints. A long benchmark, not a CI step.
.PHONY: reproduce
reproduce: setup
	$(SPACEMIMO) eval --all --out $(RESULTS)/eval

# --- HLS accelerator (hls/): golden vectors -> hls4ml projects (when that target exists) ->
# C-simulation of our kernel at paper size, 8 and 16 bit, GSM and Model-GNN -> Vitis HLS
# synthesis / co-simulation / export when vitis_hls or vitis-run is on PATH.
HLS_VECTORS ?= build/golden
HLS_N       ?= 120
HLS_NETS    := gsm_8 gsm_16 model-gnn_8 model-gnn_16
PART        ?= xc7vx690tffg1761-3
.PHONY: hls csim hls-vectors
hls-vectors: setup
	@for net in $(HLS_NETS); do \
	  $(SPACEMIMO) golden --random $${net%_*} --bits $${net##*_} -n $(HLS_N) --out $(HLS_VECTORS)/$$net || exit 1; \
	done

csim: hls-vectors
	$(SPACEMIMO) csim $(addprefix $(HLS_VECTORS)/,$(HLS_NETS))

hls: hls-vectors
	@if grep -q '^hls4ml:' $(firstword $(MAKEFILE_LIST)); then $(MAKE) hls4ml; else echo "no hls4ml target yet: hls4ml projects skipped"; fi
	$(SPACEMIMO) csim $(addprefix $(HLS_VECTORS)/,$(HLS_NETS))
	@if command -v vitis_hls >/dev/null 2>&1 || command -v vitis-run >/dev/null 2>&1; then \
	  $(MAKE) -C hls synth cosim export PART=$(PART) VECTORS=$(abspath $(HLS_VECTORS)/gsm_8); \
	else echo "Vitis HLS not found: C-simulation passed, synthesis skipped"; fi

# --- hls4ml (quant/hls4ml_export.py): QONNX -> hls4ml projects of every GSM MLP block and
# every Model-GNN layer dense under
# $(HLS4ML_OUT), compile() + predict() checked word for word against Brevitas and the golden
# model; build() (csynth) runs when Vitis is on PATH, else it is skipped with a message.
# HLS4ML_FROM=<spacemimo qat checkpoint> exports a trained net; without it a small untrained
# demo net at 8 and 16 bit. Extra options: HLS4ML_ARGS="--strategy Resource --reuse-factor 16".
HLS4ML_FROM ?=
HLS4ML_OUT  ?= build/hls4ml
HLS4ML_ARGS ?=
.PHONY: hls4ml
hls4ml: setup
	@if [ -n "$(HLS4ML_FROM)" ]; then \
	  $(SPACEMIMO) hls4ml --from $(HLS4ML_FROM) --part $(PART) --out $(HLS4ML_OUT) --build $(HLS4ML_ARGS); \
	else for b in 8 16; do for net in gsm model-gnn; do \
	  $(SPACEMIMO) hls4ml --demo --demo-net $$net --bits $$b --part $(PART) --out $(HLS4ML_OUT) --build $(HLS4ML_ARGS) || exit 1; \
	done; done; fi

# RTL (rtl/, rtl_tests/): cocotb co-simulation against the golden vectors, the memory-safety
# probes, the PYNQ driver on the RTL and the loader fuzz sample (SIM=icarus|verilator, default:
# both when installed), and the paper-size Verilator + yosys benchmark.
.PHONY: cosim bench-hw selftest-sim
cosim: setup
	$(PY) -m pytest tests/test_rtl_cosim.py tests/test_rtl_memsafety.py tests/test_driver_rtl.py tests/test_program_fuzz.py $(PYTEST_ARGS)
# Board bring-up rehearsed here: `spacemimo board selftest` against the Verilator RTL (8 and 16 bit).
selftest-sim: setup
	$(SPACEMIMO) board selftest --sim --bits 8
	$(SPACEMIMO) board selftest --sim --bits 16
bench-hw: setup
	$(SPACEMIMO) bench hw --out $(RESULTS)/bench_hw
