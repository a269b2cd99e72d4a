"""The DeepSpeed tier: GHPO under ZeRO-2 / ZeRO-3 on 2 CPU processes, run by `bash scripts/test_deepspeed.sh` in its
own venv (`ghpo[deepspeed]`).

Every launch uses the shipped `recipes/accelerate/zero{2,3}.yaml` with only what a CPU needs overridden on
`accelerate launch`'s command line (2 processes, no mixed precision) and DeepSpeed's CPU accelerator in the
environment (`DS_ACCELERATOR=cpu`, gloo). Each run writes the engine accelerate really set up, and the tests assert
it: accelerate falls back silently (to one process, or to plain DDP) when a CPU launch is misconfigured.

Without DeepSpeed installed nothing here is collected, so the default run (`bash scripts/test.sh`) is unchanged;
every test here is also marked `deepspeed`, which the default `addopts` deselects.
"""

from __future__ import annotations

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("deepspeed") else ["test_*.py"]
