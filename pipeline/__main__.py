"""python -m pipeline: run (or resume) the whole pipeline; see pipeline.runner."""
import sys

from pipeline.runner import main

sys.exit(main())
