# spacemimo — top-level entry points. Every target that runs Python does its own set-up first
# (scripts/setup.sh is idempotent), so `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
SPACEMIMO := $(VENV)/bin/spacemimo
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k channels -x"
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (0 = one process). Whole files go to a worker
# (--dist loadfile), so module fixtures run once; cached simulator and C-sim builds are shared
# under a file lock (spacemimo.ground.locks).
PYTEST_WORKERS ?= 2
RESULTS ?= results

.PHONY: help setup demo test lint bench freeze wheel clean reproduce

help:
	@echo "make demo    set up, then the main job on a small default: baselines, train, QAT, compile, golden, C-sim"
	@echo "make test    set up, then lint and run the test suite (what CI runs)"
	@echo "make bench   set up, then results/bench and the slow (paper-size) tests"
	@echo "make results regenerate the result folders that take minutes (results/baselines, results/bench);"
	@echo "             from a clean commit only, like results-eval (= reproduce), results-qat, results-hls4ml,"
	@echo "             results-bench-hw (= bench-hw), which take hours, results-bench-seu (= bench-seu: the SEU"
	@echo "             fault-injection campaign, overhead per mode (yosys) + WSR cost, ~1 h); RESULTS=/tmp/dir for a dry run"
	@echo "make check-results  list the results/ tables that no commit of HEAD's history reproduces"
	@echo "make reproduce  set up, then train and evaluate the papers' tables/figures (results/eval; long)"
	@echo "make lint    ruff over the Python sources"
	@echo "make wheel   build a wheel into dist/"
	@echo "make freeze  rewrite requirements/constraints.txt from the current venv"
	@echo "make cosim   set up, then the RTL co-simulation, memory-safety probes, streamed/hybrid weights and driver-on-RTL tests"
	@echo "make selftest-sim  set up, then the board self-test against the simulated RTL (8 and 16 bit)"
	@echo "make bitstream BOARD=pynqz2|zcu104|kv260|vc709  Vivado: IP, block design, .bit + .hwh (skips without Vivado)"
	@echo "make clean   remove build outputs (keeps .venv and results/)"

setup:
	@scripts/setup.sh

DEMO ?= $(RESULTS)/demo
# The main job end to end on a small default: scenario + baselines, a short GSM GNN training
# run (paper-size net, 20 steps), 8-bit QAT, lowering to the accelerator program (golden ==
# Brevitas checked), golden vectors, and our HLS kernel's C-simulation (0 mismatches required).
demo: setup
	$(SPACEMIMO) baselines --scenario gsm --samples 100 --out $(DEMO)/baselines
	$(SPACEMIMO) baselines --scenario rayleigh --samples 100 --out $(DEMO)/baselines
	$(SPACEMIMO) train --config gsm_local --steps 20 --eval-every 10 --out $(DEMO)/train
	$(SPACEMIMO) qat --from $(DEMO)/train/best.pt --bits 8 --steps 10 --calib-samples 256 --samples 200 --out $(DEMO)/qat
	$(SPACEMIMO) compile --from $(DEMO)/qat/gsm_local_qat8.pt --out $(DEMO)/gsm_local_8bit.smp --samples 200
	$(SPACEMIMO) golden --program $(DEMO)/gsm_local_8bit.smp --out $(DEMO)/vectors -n 32
	$(SPACEMIMO) csim $(DEMO)/vectors

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: results-bench
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# setuptools stages the wheel in build/lib and build/bdist.* and keeps a file list in
# *.egg-info/SOURCES.txt: cleared first, so a file moved or deleted since the last wheel cannot
# ship in this one.
wheel: setup
	rm -rf build/lib build/bdist.* *.egg-info
	$(PY) -m build --wheel --no-isolation --outdir dist .

freeze: setup
	{ head -2 requirements/constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^spacemimo'; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache

# Paper reproduction (003 Tables II/III, Fig. 6; 002 Fig. 7): trains every net it needs, reusing
# finished checkpoints under $(RESULTS)/eval/checkpoints. A long benchmark, not a CI step.
.PHONY: reproduce
reproduce: results-eval

# --- HLS accelerator (hls/): golden vectors -> hls4ml projects (when that target exists) ->
# C-simulation of our kernel at paper size, 8 and 16 bit, GSM and Model-GNN ->
# one Vitis run (C-sim, csynth, co-sim, export -flow impl; hls/Makefile `vitis`, reduced
# configuration; PAPER=1 paper size) when vitis_hls or vitis-run is on PATH.
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
	$(MAKE) -C hls vitis PART=$(PART) PYTHON=$(abspath $(PY))

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
.PHONY: cosim bench-hw bench-seu selftest-sim
cosim: setup
	$(PY) -m pytest tests/test_rtl_cosim.py tests/test_rtl_memsafety.py tests/test_rtl_stream.py tests/test_driver_rtl.py tests/test_program_fuzz.py $(PYTEST_ARGS)
# Board bring-up rehearsed here: `spacemimo board selftest` against the Verilator RTL (8 and 16 bit).
selftest-sim: setup
	$(SPACEMIMO) board selftest --sim --bits 8
	$(SPACEMIMO) board selftest --sim --bits 16
bench-hw: results-bench-hw
# The SEU fault-injection campaign (rtl-small-8, rtl-small-8-seu, rtl-small-8-seu-parity,
# Verilator, 4,600 upsets), the overhead per protection mode (yosys xc7 on each build, ~5-8 min
# each on an idle core, reused while the RTL is unchanged; BENCH_SEU_ARGS="--synth off" skips
# it) and the WSR cost of a silent corruption per layer of a trained gsm_local program.
bench-seu: results-bench-seu

# --- Vivado flow (vivado/, spacemimo/hw/vivado.py): the RTL packaged as the driver's IP, the
# board's block design, synthesis + implementation -> build/vivado/$(BOARD)/spacemimo_accel.bit
# + .hwh and the post-route timing/utilisation reports (vivado/README.md). Boards: pynqz2,
# zcu104, kv260, vc709. Without Vivado on PATH it writes the configuration Tcl and skips.
BOARD ?= pynqz2
BITSTREAM_ARGS ?=
.PHONY: bitstream
bitstream: setup
	@if command -v vivado >/dev/null 2>&1; then \
	  $(SPACEMIMO) bitstream --board $(BOARD) $(BITSTREAM_ARGS); \
	else $(SPACEMIMO) bitstream --board $(BOARD) --dry-run $(BITSTREAM_ARGS) || exit 1; \
	  echo "vivado not found on PATH: install AMD Vivado 2023.2 or later and source its settings64.sh; bitstream skipped"; fi

# --- Committed results (results/<folder>/: <table>.json rows + provenance, <table>.md): one
# target per folder. Each refuses to write results/ from a tree with changes outside results/,
# so every table's provenance names a clean commit; `make check-results` lists the tables that
# no commit of HEAD's history reproduces. RESULTS=/tmp/dir writes elsewhere (allowed on a dirty
# tree: a dry run). `make results` is what takes minutes; the rest train or simulate for hours.
RESULTS_SAMPLES ?= 100
RESULTS_TRAIN   ?= build/results-train
BENCH_ARGS      ?=
BENCH_HW_ARGS   ?= --boards all  # + paper GSM 8-bit per board (boards.*), each under its memory model
BENCH_SEU_ARGS  ?=
EVAL_ARGS       ?= --all
TRAIN_ARGS      ?=
QAT_ARGS        ?=
HLS4ML_N        ?= 1000
.PHONY: results results-clean-tree results-baselines results-bench results-bench-hw results-bench-seu results-eval \
        results-qat results-hls4ml check-results
results: results-baselines results-bench

results-clean-tree:
	@if [ "$(abspath $(RESULTS))" = "$(abspath results)" ] && \
	  [ -n "$$(git status --porcelain -- . ':(exclude)results')" ]; then \
	  echo "make $(MAKECMDGOALS): results/ is written from a clean commit only: commit or stash what 'git status' lists outside results/ (or write elsewhere: RESULTS=/tmp/dir)" >&2; \
	  exit 2; fi

# results/baselines: classical precoders on the GSM, Rayleigh (Model-GNN) and multi-cell scenarios.
results-baselines: results-clean-tree setup
	@for s in gsm rayleigh multicell; do \
	  $(SPACEMIMO) -q baselines --scenario $$s --samples $(RESULTS_SAMPLES) --out $(RESULTS)/baselines || exit 1; \
	done

# results/bench: wall-clock time per sample of the classical precoders on this machine.
results-bench: results-clean-tree setup
	$(SPACEMIMO) -q bench baselines --scenario rayleigh --out $(RESULTS)/bench $(BENCH_ARGS)
	$(SPACEMIMO) -q bench baselines --scenario gsm --out $(RESULTS)/bench $(BENCH_ARGS)

# results/bench_hw: RTL cycles (Verilator, paper size) and yosys resources (hours).
results-bench-hw: results-clean-tree setup
	$(SPACEMIMO) bench hw --out $(RESULTS)/bench_hw $(BENCH_HW_ARGS)

# results/bench_seu: the SEU campaign, builds side by side, the overhead table (yosys) and the
# WSR cost table.
results-bench-seu: results-clean-tree setup
	$(SPACEMIMO) bench seu --out $(RESULTS)/bench_seu $(BENCH_SEU_ARGS)

# results/eval: the papers' tables and figures (spacemimo/papers/README.md: task -> paper,
# module), training every net they need (hours).
results-eval: results-clean-tree setup
	$(SPACEMIMO) eval $(EVAL_ARGS) --out $(RESULTS)/eval

# results/qat: float nets trained from the shipped experiments (GSM GNN-Local, Model-GNN
# N=8 K=4 10 dB) under $(RESULTS_TRAIN), then PTQ / QAT at 8 and 16 bit (the settings of the
# committed tables). Quantized checkpoints go to $(RESULTS_TRAIN)/qat.
results-qat: results-clean-tree setup
	$(SPACEMIMO) -q train --config gsm_local --out $(RESULTS_TRAIN)/gsm_local $(TRAIN_ARGS)
	$(SPACEMIMO) -q qat --from $(RESULTS_TRAIN)/gsm_local/best.pt --bits 8,16 --steps 40 --batch-size 64 --lr 5e-5 --samples 1000 --calib-samples 256 --out $(RESULTS)/qat --save-dir $(RESULTS_TRAIN)/qat $(QAT_ARGS)
	$(SPACEMIMO) -q train --config modelgnn_n8_k4_se --out $(RESULTS_TRAIN)/model_gnn $(TRAIN_ARGS)
	$(SPACEMIMO) -q qat --from $(RESULTS_TRAIN)/model_gnn/best.pt --bits 8,16 --steps 200 --batch-size 128 --lr 1e-4 --samples 2000 --calib-samples 512 --out $(RESULTS)/qat --save-dir $(RESULTS_TRAIN)/qat $(QAT_ARGS)

# results/hls4ml: the QAT Model-GNN of results-qat exported layer by layer through hls4ml,
# predict() checked against the golden model; the projects stay under $(RESULTS_TRAIN)/hls4ml.
results-hls4ml: results-clean-tree setup
	@test -f $(RESULTS_TRAIN)/qat/model_gnn_qat8.pt || $(MAKE) results-qat RESULTS=$(RESULTS)
	@mkdir -p $(RESULTS)/hls4ml
	@for b in 8 16; do \
	  $(SPACEMIMO) -q hls4ml --from $(RESULTS_TRAIN)/qat/model_gnn_qat$$b.pt --samples $(HLS4ML_N) --out $(RESULTS_TRAIN)/hls4ml || exit 1; \
	  cp $(RESULTS_TRAIN)/hls4ml/hls4ml_model_gnn_$${b}bit.json $(RESULTS_TRAIN)/hls4ml/hls4ml_model_gnn_$${b}bit.md $(RESULTS)/hls4ml/ || exit 1; \
	done

check-results: setup
	$(PY) scripts/check_results.py $(RESULTS)
