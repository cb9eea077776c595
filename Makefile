# freeavatar: two commands from a fresh clone, `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install assets demo test lint format export bench results weights lab clean validator blender notebooks

# a fresh install is about 7 GiB (torch's CUDA build is the one pip can reach here): say so before pip fills the disk
$(PY):
	@$(PYTHON) -c "import shutil, sys; f = shutil.disk_usage('.').free / 2**30; f < 8 and sys.exit(f'freeavatar: installing needs about 8 GiB free on this disk, {f:.1f} GiB free here; free some space and run make again')"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel

# reinstall whenever the requirements change
$(STAMP): $(PY) settings.ini setup.py
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

assets: install
	$(VENV)/bin/freeavatar assets --fetch

demo: assets
	$(VENV)/bin/freeavatar demo --out out

# the Khronos glTF validator and three.js (npm, pinned) for tests/test_gltf.py and tests/test_viewers.py;
# `make test` installs them only where npm exists
GLTF_VALIDATOR := 2.0.0-dev.3.10
THREE_JS       := 0.187.0
VALIDATOR_DIR  := $(VENV)/gltf-validator
VALIDATOR      := $(VALIDATOR_DIR)/.installed-$(GLTF_VALIDATOR)-three-$(THREE_JS)

$(VALIDATOR):
	npm install --prefix $(VALIDATOR_DIR) --no-audit --no-fund --save-exact gltf-validator@$(GLTF_VALIDATOR) three@$(THREE_JS)
	touch $(VALIDATOR)

validator: $(VALIDATOR)

# Blender as a Python module (PyPI's bpy, pinned; a 0.5 GB wheel, 1.6 GB installed, Python 3.11 only) in a
# venv of its own, for tests/test_viewers.py: opt-in here, installed by .ci/run
BPY     := 4.2.0
BLENDER := $(VENV)/blender/.installed-$(BPY)

$(BLENDER): | $(PY)
	@$(PYTHON) -c "import sys; sys.version_info[:2] == (3, 11) or sys.exit(f'freeavatar: bpy $(BPY) (Blender) needs Python 3.11, $(PYTHON) is {sys.version.split()[0]}; run make blender PYTHON=python3.11')"
	$(PYTHON) -m venv $(VENV)/blender
	$(VENV)/blender/bin/pip install -q bpy==$(BPY)
	touch $(BLENDER)

blender: $(BLENDER)

test: assets $(if $(shell command -v npm 2>/dev/null),validator)
	$(PY) -m pytest tests -q -ra

export: install
	$(VENV)/bin/nbdev_export

# ruff (configured in pyproject.toml): the notebooks are the source, the package is checked as exported
lint: install
	$(VENV)/bin/ruff check nbs freeavatar tests tools
	$(VENV)/bin/ruff format --check nbs tests tools

# format the sources, then export the package from the notebooks
format: install
	$(VENV)/bin/ruff format nbs tests tools
	$(VENV)/bin/nbdev_clean
	$(VENV)/bin/nbdev_export

bench: assets
	$(VENV)/bin/freeavatar bench --json out/bench.json --report out/report

# the README's results table, generated from a bench run with the shipped weights (committed with its report)
results: assets
	$(VENV)/bin/freeavatar bench --own-avatar --json data/results/bench.json --report data/results --readme README.md

# re-train the shipped weights end to end and copy them into data/weights, with the ablation rows that
# 44_animator_train and 60_measures read from the manifest: about an hour on 2 cores, of which the stages
# that make the weights take the manifest's `training_minutes` (the rest is the ablations)
weights: assets
	$(VENV)/bin/freeavatar train --preset cpu --ablations --out out/train_cpu --resume --ship data/weights

# re-execute the lessons and store their outputs (small PNGs, trimmed streams); `#| slow` cells keep their last run's
notebooks: install
	$(PY) tools/run_notebooks.py --times data/results/course_times.json

lab: install
	$(VENV)/bin/jupyter lab nbs

clean:
	rm -rf out _proc _docs .pytest_cache
