# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""How long `coop demo` takes to build the demo coop from nothing (target:
under 3 minutes for a coop that has lived two months), and to start again
when nothing changed.

    .venv/bin/python bench/demo_build.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(env):
    start = time.monotonic()
    process = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'coop'), 'demo',
            '--no-serve', '--json'],
        env=env, capture_output=True, text=True, check=True)
    return time.monotonic() - start, json.loads(process.stdout)


def main():
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'COOP_'))}
        env.update(
            COOP_CONFIG=os.path.join(ROOT, 'config', 'demo.conf'),
            TRYTOND_DATABASE__PATH=folder)
        first, summary = run(env)
        print(f"demo from nothing: {first:.1f} s ({summary['action']}, "
            f"data {summary['data']}); target < 180 s")
        second, summary = run(env)
        print(f"demo again, no code changed: {second:.1f} s "
            f"({summary['action']}, data {summary['data']})")


if __name__ == '__main__':
    main()
