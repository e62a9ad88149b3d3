"""Build the SageMaker model.tar.gz: python scripts/package_model.py --model DIR --output model.tar.gz (see inference.packaging)."""
import sys

from inference.packaging import main

if __name__ == "__main__":
    sys.exit(main())
