# Two commands for a new user: `make demo` and `make test`. Both create .venv and install the
# pinned stack (requirements.txt) plus this project in editable mode on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := runs/demo

.PHONY: install demo test clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (found %s); set PYTHON=python3.11" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The main job: synthetic clips -> tiny stage-2 training -> evaluation on clips of another seed.
demo: $(STAMP)
	$(PY) tools/make_synthetic.py --out $(DEMO)/data/train --clips 16 --seed 1 --overwrite
	$(PY) tools/make_synthetic.py --out $(DEMO)/data/val --clips 4 --seed 2 --overwrite
	rm -rf $(DEMO)/train   # the demo always trains from scratch
	$(PY) tools/train.py -c configs/stage2_ocrnet_tiny.yml --out $(DEMO)/train \
		--opts data.train_root=$(DEMO)/data/train data.val_root=$(DEMO)/data/val
	$(PY) tools/eval.py -c configs/stage2_ocrnet_tiny.yml --weights $(DEMO)/train/best_model.pdparams \
		--out $(DEMO)/metrics.json --save-pred $(DEMO)/pred --opts data.val_root=$(DEMO)/data/val
	@echo "demo outputs: data $(DEMO)/data, checkpoints and VisualDL logs $(DEMO)/train," \
		"predicted label PNGs $(DEMO)/pred, metrics $(DEMO)/metrics.json"

test: $(STAMP)
	$(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) runs
