#!/usr/bin/env bash
# The whole study on the built-in demo collections (called by `make demo`).
# NO_LABELSTUDIO=1 writes Label Studio import files instead of the annotation round trip.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${DEMO_DIR:-demo-study}
HW=.venv/bin/hw
export HF_HUB_OFFLINE=1

[ -f "$DEMO_DIR/study.toml" ] || "$HW" init "$DEMO_DIR" --demo

if [ "${NO_LABELSTUDIO:-0}" = "1" ]; then
  "$HW" run --study "$DEMO_DIR" --no-labelstudio
else
  # One local Label Studio server per annotator (desk). The demo's simulated curators get accounts of
  # their own on first use; a real study invites its curators with `hw labelstudio invite`.
  export LABEL_STUDIO_USERNAME=${LABEL_STUDIO_USERNAME:-demo@heritage-weaver.local}
  export LABEL_STUDIO_PASSWORD=${LABEL_STUDIO_PASSWORD:-demo-password-1}
  "$HW" labelstudio up --study "$DEMO_DIR"
  "$HW" run --study "$DEMO_DIR"
  # Two more labelling rounds, so that calibration has labelled pairs across the scores: round 2 in
  # score bands (the probability sample) and a learning round (the pairs the round-1 calibration is
  # least sure of). Drawn once: a study that has them leaves them as they are.
  "$HW" sample --study "$DEMO_DIR" --round 2 --per-annotator 20 --score-bands 4
  "$HW" sample --study "$DEMO_DIR" --round 3 --per-annotator 10 --purpose learn
  "$HW" push --study "$DEMO_DIR"
  "$HW" run --study "$DEMO_DIR"
fi

"$HW" search --study "$DEMO_DIR" --model ft-best --text "a telephone with a dial" -k 5
# sed reads to the end: under pipefail, head's early exit can kill sort with SIGPIPE
first_image=$(find "$DEMO_DIR/data/images/nms" -name '*.jpg' | sort | sed -n 1p)
"$HW" search --study "$DEMO_DIR" --model ft-best --image "$first_image" --collection smg -k 5
# The verified links as tables and RDF (only once curators, here simulated, have labelled), and
# the unjudged links above the thresholds `hw calibrate` chose at the demo's target precision (0.5).
if [ -f "$DEMO_DIR/analysis/publishable.parquet" ]; then
  "$HW" export-links --study "$DEMO_DIR" --precision 0.5 --validate
elif [ -f "$DEMO_DIR/annotation/labels.parquet" ]; then
  "$HW" export-links --study "$DEMO_DIR" --validate
fi

echo
echo "Report:        $DEMO_DIR/report/report.html"
echo "Search page:   $HW serve --study $DEMO_DIR   then open http://127.0.0.1:8000/"
if [ "${NO_LABELSTUDIO:-0}" != "1" ]; then
  echo "Label Studio:  one server per annotator; each curator works only at their own address:"
  "$HW" labelstudio status --study "$DEMO_DIR" --url-only 2>/dev/null | sed 's/^/                 /' || true
  echo "               the lead's admin login on each: $LABEL_STUDIO_USERNAME, password $LABEL_STUDIO_PASSWORD"
  echo "Stop them:     .venv/bin/hw labelstudio down --study $DEMO_DIR"
fi
