"""Run the fidelity suites with unittest and end with one 'N passed, N failed' line.

    python3 harness.py [test_module ...]     (default: every test_*.py here)
Needs a running simulator described by KUBESIM_* variables (run.sh provides one)."""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Result(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main(argv):
    names = [a[:-3] if a.endswith(".py") else a for a in argv] or sorted(
        f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for n in names:
        suite.addTests(loader.loadTestsFromName(n))
    t0 = time.time()
    runner = unittest.TextTestRunner(verbosity=2, resultclass=Result, stream=sys.stdout)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    print("kube-fidelity suites %s in %.1fs" % (",".join(names), time.time() - t0))
    print("kube-fidelity: %d passed, %d failed, %d skipped" % (res.passed, failed,
                                                              len(res.skipped)))
    return 0 if failed == 0 and res.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
