# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"make bench rewrites the figures table of docs/benchmarks.md, nothing else"
import datetime as dt
import os
import unittest

from bench import run

BACKENDS = {'sqlite'}


class BenchTableTestCase(unittest.TestCase):

    def results(self):
        return [{
                'name': 'assembly_tally',
                'command': '.venv/bin/python bench/assembly_tally.py',
                'figures': ["tally (SQL | weighting): 0.06 s",
                    "close (...): 0.54 s"],
                'target': "tally <= 2 s", 'load': '1.20 0.90 0.80',
                'seconds': 301.4,
                }, {
                'name': 'demo_build',
                'command': '.venv/bin/python bench/demo_build.py',
                'figures': ["FAILED (exit code 1)"],
                'target': "< 180 s", 'load': '2.00 1.00 1.00',
                'seconds': 3,
                }]

    def test_rewrite(self):
        "The table is put after the title, then replaced in place"
        date = dt.datetime(2026, 12, 2, 0, 30)
        doc = "# Benchmarks\n\nIntro.\n\n## Demo\n\n| a | b |\n"
        first = run.rewrite(doc, run.table(
                self.results(), 'abc1234', date, False))
        self.assertTrue(first.startswith(
                "# Benchmarks\n\n" + run.BEGIN + "\nLatest `make bench` at "
                "abc1234, 2026-12-02 00:30 UTC;"))
        self.assertIn("| assembly_tally | `.venv/bin/python "
            "bench/assembly_tally.py` | tally (SQL \\| weighting): 0.06 s"
            "<br>close (...): 0.54 s | tally <= 2 s | 1.20 0.90 0.80 | 301 s |",
            first)
        self.assertIn("| FAILED (exit code 1) |", first)
        self.assertTrue(first.endswith("Intro.\n\n## Demo\n\n| a | b |\n"))

        second = run.rewrite(first, run.table(
                self.results()[:1], 'def5678', date, True))
        self.assertEqual(second.count(run.BEGIN), 1)
        self.assertNotIn("abc1234", second)
        self.assertNotIn("demo_build", second)
        self.assertIn("def5678", second)
        self.assertIn("`--quick`", second)
        self.assertTrue(second.endswith("Intro.\n\n## Demo\n\n| a | b |\n"))

    def test_summary(self):
        "Only the summary lines a benchmark names are kept"
        output = "set-up done in 3 s\n\ntally (x): 0.1 s\n  close (y): 2 s\n"
        self.assertEqual(run.summary(output, ['tally (', 'close (']),
            ["tally (x): 0.1 s", "close (y): 2 s"])

    def test_every_benchmark_listed(self):
        "Every benchmark script of bench/ is run by make bench"
        folder = os.path.dirname(run.__file__)
        scripts = {f for f in os.listdir(folder) if f.endswith('.py')
            and f not in {'run.py', 'postgresql.py', '__init__.py'}}
        self.assertEqual(
            scripts, {b[0][0] for b in run.BENCHMARKS.values()})
