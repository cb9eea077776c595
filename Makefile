# freeavatar: two commands from a fresh clone, `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install assets demo test lint format export bench results weights lab clean validator notebooks

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

# the Khronos glTF validator (npm, pinned) for tests/test_gltf.py; `make test` installs it only where npm exists
GLTF_VALIDATOR := 2.0.0-dev.3.10
VALIDATOR_DIR  := $(VENV)/gltf-validator
VALIDATOR      := $(VALIDATOR_DIR)/.installed-$(GLTF_VALIDATOR)

$(VALIDATOR):
	npm install --prefix $(VALIDATOR_DIR) --no-audit --no-fund --save-exact gltf-validator@$(GLTF_VALIDATOR)
	touch $(VALIDATOR)

validator: $(VALIDATOR)

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
