# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Run every benchmark of bench/ and rewrite the figures table of
docs/benchmarks.md with their summary lines, the commit, the date and the
load average.

    python bench/run.py [--quick] [--only NAME ...] [--no-write]

--quick runs each at a small size (a smoke test of the benchmarks and of
the table, not figures to keep). A benchmark that fails is marked so in
the table, with its exit code; the others still run.
"""
import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, 'docs', 'benchmarks.md')
BEGIN = '<!-- make bench: figures begin -->'
END = '<!-- make bench: figures end -->'

# name: (script and arguments, the same at a small size, the prefixes of
# the summary lines the benchmark prints, its target)
BENCHMARKS = {
    'demo_build': (
        ['demo_build.py'], ['demo_build.py'],
        ['demo from nothing:', 'demo again'],
        "built from nothing < 180 s"),
    'invoice_month': (
        ['invoice_month.py', '--worker', '2'],
        ['invoice_month.py', '--stores', '5', '--deliveries', '200',
            '--sample', '1', '--worker', '2'],
        ['month:', 'pricing', 'month-end:', 'hand path:'],
        "200 stores' month-end, PDFs and e-invoices <= 300 s; ratio <= 1"),
    'schematron_cost': (
        ['schematron_cost.py'], ['schematron_cost.py', '--documents', '10'],
        ['an invoice: the four checks'],
        "each check < 100 ms"),
    'payroll_month': (
        ['payroll_month.py'], ['payroll_month.py', '--riders', '10'],
        ['payslips:', 'compute:', 'total', 'check:'],
        "500 payslips computed, confirmed, posted <= 15 s"),
    'dsn': (
        ['dsn.py'], ['dsn.py', '--riders', '5'],
        ['dsn of', 'build:', 'build, check and store', 'checks:'],
        "500 riders' DSN built and checked <= 10 s"),
    'assembly_tally': (
        ['assembly_tally.py'],
        ['assembly_tally.py', '--members', '200', '--resolutions', '2'],
        ['tally (', 'close ('],
        "tally of 169,380 votes <= 2 s"),
    'coopcycle_import': (
        ['coopcycle_import.py'], ['coopcycle_import.py', '--tasks', '2000'],
        ['import, end to end:', 'same file again:', 'import / COPY:'],
        ">= 5,000 tasks/s"),
    'dispatch_board': (
        ['dispatch_board.py'],
        ['dispatch_board.py', '--deliveries', '50', '--riders', '5',
            '--assigned', '20', '--repeat', '1'],
        ['first load (', 'polling (', 'assignment ('],
        "2,000 tasks, 60 riders: first load < 1 s, assignment < 200 ms"),
    'federation_year': (
        ['federation_year.py'],
        ['federation_year.py', '--scale', '0.002', '--repeat', '5'],
        ['coop 1 of', 'delivery list', 'statistics of', 'portal payslips',
            'portal shares', 'month-end of', 'payroll of'],
        "10 coops, the large one's year: every list or page < 200 ms "
        "p95; month-end and payroll within their own targets"),
    'portal_load': (
        ['portal_load.py'],
        ['portal_load.py', '--riders', '5', '--seconds', '5',
            '--voters', '20'],
        ['riders:', 'saturation:', 'votes:', 'RESULT'],
        "50 riders: p95 < 100 ms, no error; 500 voters in 60 s: p95 < "
        "100 ms, no error, every ballot counted once"),
    }


def load_average():
    with open('/proc/loadavg') as file:
        return ' '.join(file.read().split()[:3])


def commit():
    result = subprocess.run(['git', 'describe', '--always', '--dirty'],
        cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or 'unknown'


def summary(output, prefixes):
    "The lines of output that start (once stripped) with one of prefixes"
    return [line.strip() for line in output.splitlines()
        if line.strip().startswith(tuple(prefixes))]


def run(name, quick):
    full, small, prefixes, target = BENCHMARKS[name]
    script, *args = small if quick else full
    command = [sys.executable, os.path.join('bench', script), *args]
    load = load_average()
    start = time.monotonic()
    print(f"=== {name}: {' '.join(command[1:])} (load {load})", flush=True)
    process = subprocess.run(command, cwd=ROOT, capture_output=True,
        text=True)
    sys.stdout.write(process.stdout)
    sys.stderr.write(process.stderr[-4000:])
    lines = summary(process.stdout, prefixes)
    if process.returncode:
        lines.append(f"FAILED (exit code {process.returncode})")
    return {
        'name': name,
        'command': ' '.join(['.venv/bin/python', *command[1:]]),
        'figures': lines,
        'target': target,
        'load': load,
        'seconds': time.monotonic() - start,
        }


def table(results, revision, date, quick):
    "The figures table, in Markdown, between its markers"
    escape = lambda text: text.replace('|', '\\|')  # noqa: E731
    lines = [
        BEGIN,
        f"Latest `make bench` at {revision}, {date:%Y-%m-%d %H:%M} UTC"
        + (" (`--quick`: small sizes, not figures to keep)" if quick else "")
        + "; the load average is the machine's (2 cores) when each "
        "benchmark started.",
        "",
        "| benchmark | command | figures | target | load | wall |",
        "| --- | --- | --- | --- | --- | ---: |",
        ]
    for result in results:
        lines.append("| {name} | `{command}` | {figures} | {target} | {load} "
            "| {seconds:.0f} s |".format(**dict(result,
                    figures='<br>'.join(escape(f) for f in result['figures'])
                    or 'no figure printed',
                    command=escape(result['command']))))
    lines.append(END)
    return '\n'.join(lines)


def rewrite(text, new_table):
    """text with its figures table replaced by new_table (added after the
    first heading if it has none)"""
    pattern = re.compile(re.escape(BEGIN) + '.*?' + re.escape(END), re.S)
    if pattern.search(text):
        return pattern.sub(lambda m: new_table, text, count=1)
    heading, _, rest = text.partition('\n')
    return f"{heading}\n\n{new_table}\n{rest}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
        help="small sizes: a smoke test, not figures to keep")
    parser.add_argument('--only', nargs='+', choices=list(BENCHMARKS),
        metavar='NAME', help="these benchmarks only")
    parser.add_argument('--no-write', action='store_true',
        help="print the table, leave docs/benchmarks.md as it is")
    args = parser.parse_args()
    date = dt.datetime.now(dt.timezone.utc)
    revision = commit()
    results = [run(name, args.quick) for name in args.only or BENCHMARKS]
    new_table = table(results, revision, date, args.quick)
    print('\n' + new_table)
    if not args.no_write:
        with open(DOC, encoding='utf-8') as file:
            text = file.read()
        with open(DOC, 'w', encoding='utf-8') as file:
            file.write(rewrite(text, new_table))
    return 1 if any(r['figures'] and r['figures'][-1].startswith('FAILED')
        for r in results) else 0


if __name__ == '__main__':
    sys.exit(main())
