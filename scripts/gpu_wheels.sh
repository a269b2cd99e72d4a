#!/usr/bin/env bash
# Wheels that scripts/gpu_check.sh installs on a GPU machine without network, downloaded here into .whl/ (ignored
# by git). Such a machine has torch, transformers, accelerate, pandas, pyarrow, matplotlib; ghpo also needs the
# packages below. transformers is brought too, at the version this repository is tested with.
#   bash scripts/gpu_wheels.sh            # PYTHON_VERSION=3.12 by default (the GPU machine's python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_VERSION="${PYTHON_VERSION:-3.12}"
PACKAGES=(trl==1.16.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 math-verify==0.9.0
          latex2sympy2_extended==1.11.0 antlr4-python3-runtime==4.13.2 transformers==5.24.0)
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYTHON_VERSION" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform any -d .whl "${PACKAGES[@]}"
ls -1 .whl
du -sh .whl
