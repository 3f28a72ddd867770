# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The monthly DSN of 500 riders on PostgreSQL: the March 2026 payroll of
bench/payroll_month.py computed and confirmed (not measured), then the
declaration built, checked and stored (target: 10 s or less).

    .venv/bin/python bench/dsn.py [--riders 500] [--keep] [--reuse]
        [--profile FILE]

The database (coop_bench_dsn) is created with the suite and set up in a
process of its own: the payroll benchmark's company, riders, contracts,
timesheet lines, health cover and rates, the month's payslips computed
and confirmed, and what the DSN needs beside them (each rider's NIR,
civil status and address, the contracts' numbers, the DSN settings).
Then, in this process, the declaration is built (measured), its file
checked (measured) and the whole of Declaration.check (build, check,
store) measured again; the database is dropped unless --keep.

With --reuse, a database kept by an earlier run (--keep) is measured
again without the set-up (minutes), the declaration made by the run rolled
back: for measuring a change of the DSN's code, not of the payroll's or of
a schema (drop it after such a change). --profile FILE writes a cProfile
of the build to FILE and of Declaration.check to FILE.check.
Wall and CPU seconds (time.process_time) are both given: the machine is
shared, the CPU seconds are what the load does not stretch.
"""
import argparse
import cProfile
import datetime as dt
import os
import subprocess
import sys
import time

import payroll_month  # bench/payroll_month.py
import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_dsn'
# The payroll benchmark's set-up works on its module's DATABASE
payroll_month.DATABASE = DATABASE
URSSAF = '78861779300013'


def nir(index):
    "A fictional NIR (born in Paris in January 1990) with its key"
    digits = f'1900175{index:06d}'
    return digits + '%02d' % (97 - int(digits) % 97)


class Bench(payroll_month.Bench):

    def setup(self):
        from coop_cli import database
        super().setup()
        for step in [self.run_payroll, self.dsn_data]:
            start = time.monotonic()
            database.in_transaction(
                DATABASE, step, context={'company': self.company_id})
            print(f"  {step.__name__}: {time.monotonic() - start:.1f} s",
                flush=True)

    def run_payroll(self):
        from trytond.pool import Pool
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        company = pool.get('company.company')(self.company_id)
        batch = Batch.run(company, payroll_month.MONTH)
        Batch.confirm([batch])

    def dsn_data(self):
        from trytond.pool import Pool
        pool = Pool()
        Employee = pool.get('company.employee')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        Contract = pool.get('coop.payroll.contract')
        Cover = pool.get('coop.payroll.health_cover')
        Configuration = pool.get('coop.payroll.configuration')
        employees = Employee.search([], order=[('id', 'ASC')])
        Address.create([{
                    'party': e.party.id, 'street': "3 rue Mercière",
                    'postal_code': '69002', 'city': "Lyon",
                    } for e in employees])
        Identifier.create([{
                    'party': e.party.id, 'type': 'fr_nir', 'code': nir(i),
                    } for i, e in enumerate(employees)])
        for chunk in payroll_month.chunks(employees):
            Employee.write(chunk, {
                    'last_name': "Coursier", 'first_names': "Test",
                    'birth_date': dt.date(1990, 1, 15),
                    'birth_place': "Paris"})
        contracts = Contract.search([])
        Contract.write(*sum(([[c], {'dsn_number': f'C{c.id:06d}'}]
                    for c in contracts), []))
        Cover.write(Cover.search([]), {
                'reference': 'SANTE-2026', 'insurer_code': 'P0942'})
        config = Configuration(1)
        config.dsn_naf = '5320Z'
        config.dsn_urssaf = URSSAF
        config.dsn_retirement_body = 'A700'
        config.dsn_atmp_code = '602MB'
        config.dsn_contact_name = "Service paie"
        config.dsn_contact_email = 'paie@coop.example'
        config.save()

    def declare(self):
        "Build, check, then the declaration's whole check (build + store)"
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        from coop_dsn.norm import Checker
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        company, = pool.get('company.company').search([])
        with _context(company.id):
            declaration, = Declaration.create([{
                        'company': company.id,
                        'siret': _siret(company),
                        'month': payroll_month.MONTH,
                        }])
            figures = {}
            (text, values), figures['build'] = self.measure(
                'build', declaration.build)
            failures, figures['check'] = self.measure(
                'check', Checker(text).check)
            _, figures['whole'] = self.measure(
                'whole', lambda: Declaration.check([declaration]))
            figures.update({
                    'failures': failures,
                    'rubriques': len(text.splitlines()),
                    'employees': values['employee_count'],
                    'urssaf': values['urssaf_total'],
                    'state': Declaration(declaration.id).state,
                    })
        if self.args.reuse:
            # The kept database stays as the set-up left it
            Transaction().rollback()
        return figures

    def measure(self, name, func):
        "func's result and its (wall, CPU) seconds, profiled if asked"
        profile = None
        if self.args.profile and name in {'build', 'whole'}:
            profile = cProfile.Profile()
            profile.enable()
        start, cpu = time.monotonic(), time.process_time()
        result = func()
        seconds = (time.monotonic() - start, time.process_time() - cpu)
        if profile:
            profile.disable()
            profile.dump_stats(self.args.profile
                + ('' if name == 'build' else '.check'))
        return result, seconds


def _context(company_id):
    from trytond.transaction import Transaction
    return Transaction().set_context(company=company_id)


def _siret(company):
    from coop_dsn.dsn import compact
    from coop_tools.report import SIRET_TYPES, identifier
    party = company.party
    return compact(identifier(party, SIRET_TYPES, party.address_get()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--riders', type=int, default=500)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--reuse', action='store_true',
        help=f"measure {DATABASE}, kept by an earlier run, without the "
        "set-up (it is made if there is none) and keep it")
    parser.add_argument('--profile', metavar='FILE',
        help="write a cProfile of the build to FILE and of "
        "Declaration.check to FILE.check")
    parser.add_argument('--setup-only', action='store_true',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.posting = 'payslip'
    if args.reuse:
        args.keep = True

    from coop_cli import database
    postgresql.configure()
    if args.setup_only:
        postgresql.create(DATABASE)
        start = time.monotonic()
        Bench(args).setup()
        print(f"set-up done in {time.monotonic() - start:.0f} s",
            flush=True)
        return
    if args.reuse and database.exists(DATABASE):
        print(f"set-up kept in {DATABASE} reused", flush=True)
    else:
        subprocess.run([sys.executable, __file__, '--setup-only',
                '--riders', str(args.riders)], check=True)
    try:
        figures = database.in_transaction(DATABASE, Bench(args).declare)
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)
    ok = not figures['failures'] and figures['state'] == 'checked'
    print()
    print(f"dsn of {payroll_month.MONTH:%Y-%m} (PostgreSQL): "
        f"{figures['employees']} riders, {figures['rubriques']} rubriques, "
        f"URSSAF {figures['urssaf']}")
    (build, build_cpu), (check, check_cpu), (whole, whole_cpu) = (
        figures['build'], figures['check'], figures['whole'])
    print(f"build: {build:.2f} s ({build_cpu:.2f} s CPU)  "
        f"check: {check:.2f} s ({check_cpu:.2f} s CPU)  "
        f"(build + check: {build + check:.2f} s)")
    print(f"build, check and store (Declaration.check): "
        f"{whole:.2f} s ({whole_cpu:.2f} s CPU); target <= 10 s")
    print(f"checks: {'OK' if ok else 'FAILED'} "
        f"({len(figures['failures'])} failures)")
    for failure in figures['failures'][:10]:
        print(f"  {failure}")
    print("load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
        + f" on {os.cpu_count()} cores")
    if not ok:
        sys.exit(1)


if __name__ == '__main__':
    main()
