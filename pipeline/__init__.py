"""Orchestration: the pipeline's runner and steps, its config, preflight checks, report and summary.

    python -m pipeline [--config configs/pipeline/demo.yaml] [--force] [key=value ...]

Imported only by scripts/ and tests: the stages below never reach up here.
"""
