# Two commands for a new user: `make demo` and `make test`. Both create .venv and install the
# pinned stack (requirements.txt) plus this project in editable mode on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := runs/demo

.PHONY: install demo test bench-deps clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (found %s); set PYTHON=python3.11" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The main job, the whole pipeline on generated data: synthetic clips -> train the tiny detector
# and the tiny EANet-Cat -> export the parser -> score each stage on held-out clips (another
# seed) -> run tools/infer.py on a held-out clip video -> score its label maps.
demo: $(STAMP)
	$(PY) tools/make_synthetic.py --out $(DEMO)/data/train --clips 16 --seed 1 --overwrite
	$(PY) tools/make_synthetic.py --out $(DEMO)/data/val --clips 4 --seed 2 --video --overwrite
	rm -rf $(DEMO)/det $(DEMO)/seg   # the demo always trains from scratch
	$(PY) tools/train.py -c configs/stage1_cascade_rcnn_r18_tiny.yml --out $(DEMO)/det
	$(PY) tools/train.py -c configs/stage2_eanet_cat_tiny.yml --out $(DEMO)/seg
	$(PY) tools/export.py -c configs/stage2_eanet_cat_tiny.yml \
		--weights $(DEMO)/seg/best_model.pdparams --out $(DEMO)/seg/export
	$(PY) tools/eval.py -c configs/stage1_cascade_rcnn_r18_tiny.yml \
		--weights $(DEMO)/det/best_model.pdparams --out $(DEMO)/det_metrics.json
	$(PY) tools/eval.py -c configs/stage2_eanet_cat_tiny.yml \
		--weights $(DEMO)/seg/best_model.pdparams --out $(DEMO)/seg_metrics.json
	$(PY) tools/infer.py --video $(DEMO)/data/val/clip_0000/clip.mp4 --out $(DEMO)/infer --overwrite \
		--pipeline configs/pipeline_tiny.yml
	$(PY) tools/eval.py --pred $(DEMO)/infer --gt $(DEMO)/data/val/clip_0000 \
		--out $(DEMO)/pipeline_metrics.json
	@echo "demo outputs in $(DEMO): data/ (clips), det/ and seg/ (checkpoints, VisualDL logs," \
		"seg/export), det_metrics.json and seg_metrics.json (each stage on the held-out clips)," \
		"infer/ (label PNGs, overlay.mp4, summary.json) and pipeline_metrics.json"

test: $(STAMP)
	$(PY) -m pytest -q tests

# Peers for the benchmarks (MediaPipe, onnxruntime): never needed by the package or the tests.
bench-deps: $(STAMP)
	$(PY) -m pip install --quiet --no-deps -r bench/requirements.txt

clean:
	rm -rf $(VENV) runs
