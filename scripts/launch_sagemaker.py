"""Launch a SageMaker training or batch-transform job: python scripts/launch_sagemaker.py train|transform ... (see pipeline.launch)."""
import sys

from pipeline.launch import main

if __name__ == "__main__":
    sys.exit(main())
