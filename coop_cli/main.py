# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""coop: the operator's entry point to a Coop ERP installation"""
import argparse
import json
import os
import sys
import time

from .errors import CoopError

DEFAULT_CONFIG = os.path.join('config', 'demo.conf')
PASSWORD_ENV = 'COOP_ADMIN_PASSWORD'


def _config_option(parser):
    parser.add_argument(
        '-c', '--config', metavar='FILE',
        help="trytond configuration file (default: $COOP_CONFIG or "
        f"{DEFAULT_CONFIG}); TRYTOND_<SECTION>__<OPTION> variables "
        "override it")


def _json_option(parser):
    parser.add_argument(
        '--json', action='store_true',
        help="print a machine-readable summary on standard output")


def _month_options(parser, month, date):
    "What month-end commands ask: configuration, month, database, company"
    _config_option(parser)
    parser.add_argument(
        '--month', required=True, metavar='YYYY-MM', help=month)
    parser.add_argument(
        '-d', '--database', default='demo', metavar='NAME',
        help="database (default: demo)")
    parser.add_argument(
        '--company', metavar='NAME',
        help="company name or id (default: the only one)")
    parser.add_argument('--date', metavar='YYYY-MM-DD', help=date)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='coop',
        description="Run and administer Coop ERP, the Tryton suite for "
        "bike-delivery worker cooperatives.")
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True

    demo = commands.add_parser(
        'demo', help="create or refresh the demo coop and serve it",
        description="Create the demo coop database (or upgrade it if it "
        "exists), fill it with a fictional coop and serve it with the web "
        "client.")
    _config_option(demo)
    demo.add_argument(
        '--reset', action='store_true',
        help="drop the demo database and build it anew")
    demo.add_argument(
        '--no-serve', dest='serve', action='store_false',
        help="build the database and exit")
    demo.add_argument(
        '--listen', metavar='HOST:PORT',
        help="address to serve on (default: [web] listen)")
    _json_option(demo)
    demo.set_defaults(func=cmd_demo)

    serve = commands.add_parser(
        'serve', help="serve databases and the web client",
        description="Serve the databases with trytond's server and the web "
        "client (sao) at /.")
    _config_option(serve)
    serve.add_argument(
        '-d', '--database', dest='databases', metavar='NAME',
        action='append',
        help="database to load before serving (repeatable; default: demo)")
    serve.add_argument(
        '--listen', metavar='HOST:PORT',
        help="address to serve on (default: [web] listen)")
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser(
        'db', help="create or upgrade databases",
        description="Create or upgrade databases of the suite, on SQLite "
        "or PostgreSQL as the configuration says: one database, or one "
        "per coop (each name in turn, one summary line each).")
    db_commands = db.add_subparsers(dest='db_command', metavar='COMMAND')
    db_commands.required = True

    create = db_commands.add_parser(
        'create', help="create a database with the suite's modules",
        description="Create a database, activate the suite's modules and "
        f"set the admin password (from --admin-password-file or "
        f"${PASSWORD_ENV}).")
    upgrade = db_commands.add_parser(
        'upgrade', help="upgrade every module of a database",
        description="Upgrade the activated modules of a database and "
        "activate the suite's modules that are missing. Nothing is done "
        "when no module's code changed since the last upgrade.")
    for sub in [create, upgrade]:
        _config_option(sub)
        sub.add_argument('names', metavar='NAME', nargs='+',
            help="database name (several: one database per coop)")
        _json_option(sub)
    for sub in [create, upgrade]:
        sub.add_argument(
            '--admin-password-file', metavar='FILE',
            help=f"file holding the admin password (default: ${PASSWORD_ENV})")
        sub.add_argument('--admin-email', metavar='EMAIL')
        sub.add_argument(
            '--modules', metavar='NAME,...',
            help="the suite's modules to activate, with their dependencies "
            "(default: all of them; a coop may leave out addons)")
    upgrade.add_argument(
        '--create-missing', action='store_true',
        help="create the database if it does not exist yet")
    upgrade.add_argument(
        '--force', action='store_true',
        help="upgrade even if no module changed since the last upgrade")
    create.set_defaults(func=cmd_db_create)
    upgrade.set_defaults(func=cmd_db_upgrade)
    requeue = db_commands.add_parser(
        'requeue', help="queue again the tasks a stopped worker left",
        description="Queue again the tasks of trytond-worker's queue that "
        "a worker took and never finished (it was killed or its machine "
        "stopped: their work was rolled back). Run it when no worker is "
        "running, as the image's worker does before it starts.")
    _config_option(requeue)
    requeue.add_argument('names', metavar='NAME', nargs='+',
        help="database name (several: one database per coop)")
    _json_option(requeue)
    requeue.set_defaults(func=cmd_db_requeue)

    invoice = commands.add_parser(
        'invoice', help="invoice the stores for a month's deliveries",
        description="Sell and invoice every store's done deliveries of the "
        "month not invoiced yet: one sale and one posted invoice per store. "
        "Running it again invoices only what is new.")
    _month_options(invoice,
        month="the month of the deliveries",
        date="invoice date (default: the month's last day, or today if the "
        "month is not over)")
    _json_option(invoice)
    invoice.set_defaults(func=cmd_invoice)

    payroll = commands.add_parser(
        'payroll', help="pay the employees",
        description="Monthly payroll.")
    payroll_commands = payroll.add_subparsers(
        dest='payroll_command', required=True, metavar='COMMAND')
    run = payroll_commands.add_parser(
        'run', help="make the month's payslips of everyone under contract",
        description="Make the month's payroll batch and compute a payslip "
        "for every employee under contract who has none yet; --confirm "
        "numbers them, --post also posts them to the books.")
    _month_options(run,
        month="the month paid",
        date="payment date of a new batch (default: the month's last day)")
    stop = run.add_mutually_exclusive_group()
    stop.add_argument(
        '--confirm', action='store_true',
        help="confirm the payslips (numbered, no longer editable)")
    stop.add_argument(
        '--post', action='store_true',
        help="confirm and post the payslips")
    _json_option(run)
    run.set_defaults(func=cmd_payroll_run)

    dsn = commands.add_parser(
        'dsn', help="declare the month to the social bodies (DSN)",
        description="Build the month's DSN of an establishment from its "
        "confirmed payslips, check it against the norm's local rules and "
        "store it as the file of the month's declaration (draft or "
        "checked; a month already filed gets a declaration that cancels "
        "and replaces it). Missing data and failed checks are listed, and "
        "nothing is stored.")
    _config_option(dsn)
    dsn.add_argument(
        '--month', required=True, metavar='YYYY-MM',
        help="the month declared")
    dsn.add_argument(
        '-d', '--database', default='demo', metavar='NAME',
        help="database (default: demo)")
    dsn.add_argument(
        '--company', metavar='NAME',
        help="company name or id (default: the only one)")
    dsn.add_argument(
        '--establishment', metavar='SIRET',
        help="the establishment's SIRET (default: the company's)")
    dsn.add_argument(
        '--check', action='store_true',
        help="build and check only: store nothing")
    dsn.add_argument(
        '--test', action='store_true',
        help="mark the file as a test file (S10.G00.00.005 01)")
    _json_option(dsn)
    dsn.set_defaults(func=cmd_dsn)

    from . import members
    imports = commands.add_parser(
        'import', help="bring in data kept in another tool",
        description="Import data kept in another tool or a spreadsheet. "
        "A file is checked whole before anything is written and imported "
        "in one transaction: on any error nothing is written.")
    import_commands = imports.add_subparsers(
        dest='import_command', required=True, metavar='WHAT')
    import_members = import_commands.add_parser(
        'members', help="the register of members and its share operations, "
        "from CSV",
        description="Import an existing register of members: replay its "
        "share operations\nin date order as imported operations of the "
        "register (numbered, no\naccounting entry), creating the members "
        "it names; print a summary.",
        epilog=members.FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _import_options(import_members)
    import_members.set_defaults(func=cmd_import_members)

    from . import coopcycle
    import_coopcycle = import_commands.add_parser(
        'coopcycle', help="deliveries, tasks or couriers' hours from "
        "CoopCycle's exports",
        description="Import one of CoopCycle's CSV exports: tasks and "
        "deliveries\nbecome deliveries with their tasks and riders' tours, "
        "the payroll export\nbecomes monthly hours for payroll.",
        epilog=coopcycle.FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _import_options(import_coopcycle)
    import_coopcycle.add_argument(
        '--kind', choices=coopcycle.KINDS,
        help="the export (default: recognised from the header)")
    import_coopcycle.add_argument(
        '--month', metavar='YYYY-MM',
        help="the month a payroll export counts (required for one)")
    import_coopcycle.set_defaults(func=cmd_import_coopcycle)
    return parser


def _import_options(parser):
    "What every import command asks: the file, database and company"
    _config_option(parser)
    parser.add_argument('file', metavar='FILE', help="the file to import")
    parser.add_argument(
        '-d', '--database', default='demo', metavar='NAME',
        help="database (default: demo)")
    parser.add_argument(
        '--company', metavar='NAME',
        help="company name or id (default: the only one)")
    parser.add_argument(
        '--dry-run', action='store_true',
        help="check the whole file and count what it would change, "
        "writing nothing")
    _json_option(parser)


def _load_settings(args):
    from . import settings
    return settings.load(args.config, default=DEFAULT_CONFIG)


def _admin_password(args):
    path = args.admin_password_file or os.environ.get('TRYTONPASSFILE')
    if path:
        try:
            with open(path, encoding='utf-8') as file:
                return file.read().strip()
        except OSError as exception:
            raise CoopError(
                f"cannot read the admin password file {path}: "
                f"{exception.strerror}")
    return os.environ.get(PASSWORD_ENV)


def _report(args, summary, text):
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(text)


def _database_names(args):
    "The databases named, each once, in order; a name given twice is refused"
    names = args.names
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CoopError(f"database {twice[0]!r} is named twice")
    return names


def cmd_db_create(args):
    from . import database
    _load_settings(args)
    names = _database_names(args)
    modules = database.suite_modules(args.modules)
    # None is created unless all can be: the first that exists is refused
    for name in names:
        if database.exists(name):
            raise CoopError(
                f"database {name!r} already exists "
                f"({database.describe_database()}): "
                f"use 'coop db upgrade {name}'")
    password = _admin_password(args)
    for name in names:
        start = time.monotonic()
        database.create(name, password, args.admin_email, modules)
        _report(args, {
                'database': name,
                'action': 'created',
                'modules': database.activated_modules(name),
                'seconds': round(time.monotonic() - start, 1),
                }, f"database {name!r} created")


def cmd_db_upgrade(args):
    from . import database
    _load_settings(args)
    names = _database_names(args)
    modules = database.suite_modules(args.modules)
    if not args.create_missing:
        # None is upgraded unless all exist
        for name in names:
            if not database.exists(name):
                raise CoopError(
                    f"no Tryton database {name!r} "
                    f"({database.describe_database()}): "
                    f"use 'coop db create {name}'")
    for name in names:
        start = time.monotonic()
        if args.create_missing:
            action = database.create_or_upgrade(
                name, lambda: _admin_password(args), args.admin_email,
                args.force, modules)
        elif database.upgrade(name, modules, args.force):
            action = 'upgraded'
        else:
            action = 'up-to-date'
        _report(args, {
                'database': name,
                'action': action,
                'modules': database.activated_modules(name),
                'seconds': round(time.monotonic() - start, 1),
                }, f"database {name!r} {action}")


def cmd_db_requeue(args):
    from . import database
    _load_settings(args)
    for name in _database_names(args):
        tasks = database.requeue(name)
        _report(args, {'database': name, 'requeued': tasks},
            f"database {name!r}: {tasks} task(s) queued again")


def cmd_demo(args):
    from . import database, demo, server
    _load_settings(args)
    name = demo.DEMO_DATABASE
    start = time.monotonic()
    database.check_server()
    if args.serve:
        # Fail before the long work if the port is taken
        from trytond import config
        server.check_port_free(*config.split_netloc(
                args.listen or config.get('web', 'listen')))
    if args.reset and database.exists(name):
        _progress(args, f"dropping the demo database {name!r}")
        database.drop(name)
    _progress(args, "creating the demo database, or upgrading it if its "
        "code changed")
    action = database.create_or_upgrade(name, lambda: demo.DEMO_PASSWORD)
    _progress(args, "building the demo coop")
    built = demo.build(name)
    summary = {
        'database': name,
        'action': action,
        'data': 'built' if built else 'kept',
        'logins': [{'login': login, 'password': demo.DEMO_PASSWORD,
                'access': access} for login, access in demo.logins()],
        'portal_logins': [{'email': email, 'password': demo.DEMO_PASSWORD,
                'access': access} for email, access in demo.portal_logins()],
        'seconds': round(time.monotonic() - start, 1),
        }
    if not args.serve:
        _report(args, summary, f"demo database {name!r} ready in "
            f"{summary['seconds']} s")
        return

    def announce(url):
        from trytond import config
        if not config.get('coop_portal', 'url'):
            # The demo's portal is this server: its reset links point here
            if not config.has_section('coop_portal'):
                config.add_section('coop_portal')
            config.set('coop_portal', 'url', url)
        if args.json:
            print(json.dumps(dict(summary, url=url,
                        portal_url=demo.portal_url(url)), sort_keys=True),
                flush=True)
            return
        print(f"\nThe demo coop {demo.COMPANY_NAME!r} is served at {url}")
        print(f"Log in to database {name!r} with one of these "
            f"(password {demo.DEMO_PASSWORD!r}):")
        for login, access in demo.logins():
            print(f"  {login:<10} {access}")
        print(f"The riders' and members' portal is at {demo.portal_url(url)}"
            " (same password):")
        for email, access in demo.portal_logins():
            print(f"  {email:<22} {access}")
        print("Stop with Ctrl+C.", flush=True)
    server.serve([name], args.listen, announce=announce)


def cmd_serve(args):
    from . import server
    _load_settings(args)
    names = args.databases or ['demo']

    def announce(url):
        print(f"serving {', '.join(names)} at {url}", flush=True)
    server.serve(names, args.listen, announce=announce)


def cmd_invoice(args):
    from . import invoicing
    month = invoicing.parse_month(args.month)
    invoice_date = invoicing.parse_date(args.date) if args.date else None
    _load_settings(args)
    start = time.monotonic()
    bar = ProgressBar(invoicing.STEPS, enabled=not args.json)
    summary = invoicing.invoice_month(
        args.database, month, args.company, invoice_date, progress=bar.step)
    bar.close()
    summary['seconds'] = round(time.monotonic() - start, 1)
    lines = [f"{summary['month']}: {len(summary['invoices'])} invoices "
        f"posted for {summary['deliveries']} deliveries, dated "
        f"{summary['invoice_date']}"]
    lines += [f"  {i['number']:<12} {i['store']:<32} {i['total']:>12}"
        for i in summary['invoices']]
    lines.append(f"untaxed {summary['untaxed']}, tax {summary['tax']}, "
        f"total {summary['total']}")
    lines += [f"  not invoiced: {r['store']}: {r['reason']}"
        for r in summary['refused']]
    _report(args, summary, '\n'.join(lines))


def cmd_payroll_run(args):
    from . import invoicing, payroll
    start, _ = invoicing.parse_month(args.month)
    payment_date = invoicing.parse_date(args.date) if args.date else None
    until = 'posted' if args.post else 'confirmed' if args.confirm \
        else 'computed'
    _load_settings(args)
    began = time.monotonic()
    steps = payroll.STEPS[:payroll.STEPS.index(until) + 1]
    bar = ProgressBar(steps, enabled=not args.json)
    summary = payroll.run_month(
        args.database, start, args.company, payment_date, until,
        progress=bar.step)
    bar.close()
    summary['seconds'] = round(time.monotonic() - began, 1)
    lines = [f"{summary['month']}: {len(summary['payslips'])} payslips "
        f"({summary['state']}), paid on {summary['payment_date']}"]
    lines += [f"  {p['number'] or '':<10} {p['employee']:<32} "
        f"gross {p['gross']:>10} net {p['net_pay']:>10}"
        for p in summary['payslips']]
    lines.append(f"gross {summary['gross']}, net {summary['net_pay']}, "
        f"employer contributions {summary['employer_contributions']}")
    _report(args, summary, '\n'.join(lines))


def cmd_dsn(args):
    from . import dsn, invoicing
    start, _ = invoicing.parse_month(args.month)
    _load_settings(args)
    began = time.monotonic()
    summary = dsn.declare(
        args.database, start, args.company, args.establishment,
        check=args.check, test=args.test)
    summary['seconds'] = round(time.monotonic() - began, 1)
    kind = {'01': "normal", '03': "cancels and replaces"}[summary['kind']]
    lines = [f"{summary['month']} {summary['siret']}: {kind} DSN"
        f"{' (test file)' if summary['test'] else ''}, "
        f"{summary['employees']} employees, {summary['rubriques']} "
        "rubriques: every local check passed",
        f"  URSSAF {summary['urssaf_total']}, income tax withheld "
        f"{summary['income_tax_total']}"]
    if summary['stored']:
        lines.append(f"  stored as {summary['file']} of declaration "
            f"{summary['declaration']} ({summary['state']})")
    else:
        lines.append("  check only: nothing was stored")
    _report(args, summary, '\n'.join(lines))


def cmd_import_members(args):
    from . import members
    _load_settings(args)
    start = time.monotonic()
    bar = RowsProgressBar(
        enabled=not args.json and sys.stdout.isatty(),
        minimum=members.LONG_FILE)
    try:
        summary = members.import_file(
            args.database, args.file, args.company, args.dry_run,
            progress=bar.rows)
    except members.MemberImportError as error:
        bar.close()
        _import_refused(args, error)
        raise
    bar.close()
    summary['seconds'] = round(time.monotonic() - start, 1)
    operations = ', '.join(f"{count} {kind}"
        for kind, count in summary['operations'].items() if count)
    lines = [f"{args.file}: {summary['rows']} rows replayed into "
        f"{summary['company']} ({args.database})"]
    if summary['numbers']:
        lines.append(f"  operations {summary['numbers'][0]} to "
            f"{summary['numbers'][1]}: {operations}")
    lines.append(f"  members created: {summary['members_created']}; "
        f"members on {summary['date']}: {summary['members']}")
    lines.append(f"  capital on {summary['date']}: {summary['capital']}")
    if summary['warnings']:
        lines.append(f"  legal warnings skipped: {summary['warnings']}")
        details = summary['warning_details']
        lines += [f"    line {w['line']}: {w['warning']}"
            for w in details[:10]]
        if len(details) > 10:
            lines.append(f"    … and {len(details) - 10} more (see --json)")
    if args.dry_run:
        lines.append("dry run: nothing was written")
    _report(args, summary, '\n'.join(lines))


def cmd_import_coopcycle(args):
    from . import coopcycle
    month = coopcycle.parse_month(args.month) if args.month else None
    _load_settings(args)
    start = time.monotonic()
    bar = ProgressBar(coopcycle.STEPS,
        enabled=not args.json and sys.stderr.isatty())
    try:
        summary = coopcycle.import_file(
            args.database, args.file, args.company, args.kind, month,
            args.dry_run, progress=bar.step)
    except coopcycle.CoopCycleImportError as error:
        bar.close()
        if args.json:
            print(json.dumps(error.summary, sort_keys=True))
        for item in error.errors:
            print(f"{args.file}:{item['line']}: {item['error']}",
                file=sys.stderr)
        raise
    bar.close()
    summary['seconds'] = round(time.monotonic() - start, 1)
    if summary['kind'] == 'payroll':
        lines = [f"{args.file}: {summary['rows']} couriers' hours: "
            f"{summary['hours_created']} created, "
            f"{summary['hours_updated']} updated, "
            f"{summary['unchanged']} unchanged"]
    else:
        lines = [f"{args.file}: {summary['rows']} rows ({summary['kind']}) "
            f"into {summary['company']} ({args.database})",
            f"  deliveries: {summary['deliveries_created']} created, "
            f"{summary['deliveries_updated']} updated",
            f"  tasks: {summary['tasks_created']} created, "
            f"{summary['tasks_updated']} updated, "
            f"{summary['unchanged']} unchanged",
            f"  tours created: {summary['tours_created']}"]
        if summary['stores_created']:
            lines.append(
                f"  stores created: {', '.join(summary['stores_created'])}")
        if summary['prices_kept']:
            lines.append("  invoiced deliveries whose CoopCycle price "
                "changed (kept; credit them if needed), lines: "
                + ', '.join(map(str, summary['prices_kept'])))
    if args.dry_run:
        lines.append("dry run: nothing was written")
    _report(args, summary, '\n'.join(lines))


def _import_refused(args, error):
    "Every error of a refused file, on standard error (and in the JSON)"
    if args.json and error.summary is not None:
        print(json.dumps(error.summary, sort_keys=True))
    for item in error.errors:
        print(f"{args.file}:{item.line}: {item.message}", file=sys.stderr)


class ProgressBar:
    "Steps of a long command, drawn on standard error"
    width = 30

    def __init__(self, steps, enabled=True):
        self.steps = steps
        self.enabled = enabled
        self.start = time.monotonic()

    def step(self, name, count):
        if not self.enabled or name not in self.steps:
            return
        done = self.steps.index(name) + 1
        filled = self.width * done // len(self.steps)
        text = (f"coop: [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{name} ({count}) {time.monotonic() - self.start:.1f} s")
        if sys.stderr.isatty():  # redrawn in place
            print(f"\r{text}\033[K", end='', file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self):
        if self.enabled and sys.stderr.isatty():
            print(file=sys.stderr, flush=True)


class RowsProgressBar(ProgressBar):
    "The rows of a file done one by one, drawn as a fraction of them all"

    def __init__(self, enabled=True, minimum=0):
        super().__init__(['rows'], enabled)
        self.minimum = minimum
        self.drawn = None

    def rows(self, done, total):
        if not self.enabled or total < self.minimum:
            return
        # Redrawn in place every percent; a line every tenth in a log
        tick = 100 if sys.stderr.isatty() else 10
        position = tick * done // total
        if position == self.drawn:
            return
        self.drawn = position
        filled = self.width * done // total
        text = (f"coop: [{'#' * filled}{'.' * (self.width - filled)}] "
            f"rows {done}/{total} {time.monotonic() - self.start:.1f} s")
        if sys.stderr.isatty():
            print(f"\r{text}\033[K", end='', file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self):
        if self.drawn is not None:
            super().close()


def _progress(args, message):
    if not args.json:
        print(f"coop: {message}…", file=sys.stderr, flush=True)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except CoopError as error:
        print(f"coop: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == '__main__':
    sys.exit(main())
