#!/usr/bin/python3
"""Entry point: /usr/bin/python3 tests/k8s-sim/k8s-sim.py --help"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
