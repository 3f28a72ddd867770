# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The role matrix: what each back-office role of the suite may do with each
model a Tryton user can reach, the suite's and the upstream ones

The access records (ir.model.access, ir.model.field.access, ir.rule) of the
modules enforce it; tests/test_roles.py walks it over JSON-RPC as each role
and fails on any difference. docs/security.md explains it.

A model's entry gives, per role, a string of permissions:
    r  read every record the company holds
    o  read only the role's own records: the rider's employee's and her
       own party's and company's details, the payroll's entries (of
       payslips and batches), each user's API keys, the dispatcher's
       company's identifiers, the parties' attachments (membership,
       accounting)
    w, c, d  write, create, delete (on what the role can read)
A role that is not named has no access at all. A field's entry gives the
roles that may read it (every other role gets an access error).

The portal account (web.user) is no Tryton user: it cannot log in to
JSON-RPC at all, and the portal's pages show it its own party's records only
(addons/coop_portal); so it has no column here.
"""

# The roles, each a set of groups (module, xml id); the coop administrator
# is the admin user, who is in every group
ROLES = {
    'rider': (),
    'dispatcher': (('coop_delivery', 'group_delivery'),),
    'payroll': (('coop_payroll', 'group_payroll_admin'),),
    'membership': (('coop_membership', 'group_membership_admin'),),
    'accountant': (('account', 'group_account'),),
    'administrator': None,
    }
BACK_OFFICE = ('dispatcher', 'payroll', 'membership', 'accountant',
    'administrator')
EVERYONE = ('rider',) + BACK_OFFICE


def _perms(**roles):
    return roles


READ = {r: 'r' for r in EVERYONE}
NOBODY = {}
# Parties: everyone reads names (a delivery's store, a payslip's employee),
# those who register people and businesses write them
PARTY = _perms(rider='r', dispatcher='r', payroll='rwcd', membership='rwcd',
    accountant='rwcd', administrator='rwcd')
# Addresses, contact mechanisms and identifiers: a rider reads her own
# party's and her company's (o), the dispatcher every address and contact
# (riders and stores) but only her company's identifiers; those who
# register people read and write them all. Only the administrator writes
# the companies' own parties and their details (name, SIRET, address)
PARTY_CONTACTS = _perms(rider='o', dispatcher='r', payroll='rwcd',
    membership='rwcd', accountant='rwcd', administrator='rwcd')
PARTY_IDENTIFIERS = _perms(rider='o', dispatcher='o', payroll='rwcd',
    membership='rwcd', accountant='rwcd', administrator='rwcd')
PAY = _perms(payroll='rwcd', accountant='rwcd', administrator='rwcd')
ACCOUNTING = _perms(accountant='rwcd', administrator='rwcd')
# The payroll reads the entries of its payslips and batches (o)
PAYROLL_ENTRIES = _perms(payroll='o', accountant='rwcd', administrator='rwcd')

MODELS = {
    # Upstream: party
    'party.party': PARTY,
    'party.address': PARTY_CONTACTS,
    'party.contact_mechanism': PARTY_CONTACTS,
    'party.identifier': PARTY_IDENTIFIERS,
    # Upstream: portal accounts and their sessions, the system's only
    # (the payroll and the membership invite to the portal by a button
    # that needs no access to them)
    'web.user': _perms(administrator='rwcd'),
    'web.user-party.party.secondary': NOBODY,  # not exposed to RPC
    'web.user.session': NOBODY,
    'web.user.authenticate.attempt': NOBODY,
    'ir.session': NOBODY,
    # Queued tasks carry their caller's context and arguments: not exposed
    # to RPC, and only the administrators' by their access records
    'ir.queue': NOBODY,
    # Each user asks for their own API keys (Tryton's rule); the
    # administrator sees and validates them all
    'res.user.application': {
        **{r: 'owcd' for r in EVERYONE}, 'administrator': 'rwcd'},
    'res.user.device': NOBODY,
    'res.user.login.attempt': NOBODY,
    # Upstream: users and employees
    'res.user': _perms(rider='r', dispatcher='r', payroll='r',
        membership='r', accountant='r', administrator='rwcd'),
    'company.employee': _perms(rider='r', dispatcher='r', payroll='rwcd',
        membership='r', accountant='r', administrator='rwcd'),
    'timesheet.line': _perms(rider='o', payroll='rwcd',
        administrator='rwcd'),
    'timesheet.hours_employee': _perms(rider='o', payroll='r',
        administrator='r'),
    # (hours_employee_weekly and _monthly have timesheet's rules too, but
    # their ids are computed: decimals on PostgreSQL, and SQLite finds no
    # monthly row to tell the rules)

    # Attachments and notes: those of the records the role reads, but
    # those of parties and employees (everyone reads them) are the
    # person's own (o: a rider's), the payroll's and the administrators';
    # those who register people read the parties' (o)
    'ir.attachment': _perms(rider='o', payroll='rwcd', membership='o',
        accountant='o', administrator='rwcd'),
    'ir.note': _perms(rider='o', payroll='rwcd', administrator='rwcd'),
    # Upstream: accounting
    'account.move': PAYROLL_ENTRIES,
    'account.move.line': PAYROLL_ENTRIES,
    'account.invoice': ACCOUNTING,
    'bank.account': PAY,
    'bank.account.number': PAY,
    # The suite's own
    'coop.payroll.contract': _perms(rider='o', payroll='rwcd',
        administrator='rwcd'),
    'coop.payroll.payslip': _perms(rider='o', payroll='rwcd',
        administrator='rwcd'),
    'coop.payroll.payslip.line': _perms(rider='o', payroll='rwcd',
        administrator='rwcd'),
    'coop.payroll.absence': _perms(rider='o', payroll='rwcd',
        administrator='rwcd'),
    # A rider's change of bank account, asked in the portal (which writes
    # it as root), answered by the payroll
    'coop.payroll.bank_account.request': _perms(payroll='rwcd',
        administrator='rwcd'),
    'coop.payroll.ijss_receipt': _perms(payroll='rwcd',
        administrator='rwcd'),
    'coop.payroll.batch': _perms(payroll='rwcd', administrator='rwcd'),
    'coop.payroll.monthly_hours': _perms(payroll='rwcd',
        administrator='rwcd'),
    'coop.delivery': _perms(dispatcher='rwcd', administrator='rwcd'),
    'coop.delivery.invoice.run': ACCOUNTING,
    # The riders' shifts, which the dispatch board shows
    'coop.dispatch.shift': _perms(dispatcher='rwcd', administrator='rwcd'),
    # The weeks' schedules the dispatchers plan, and the stores' rounds
    'coop.dispatch.shift.template': _perms(dispatcher='rwcd',
        administrator='rwcd'),
    'coop.dispatch.schedule': _perms(dispatcher='rwcd', administrator='rwcd'),
    'coop.dispatch.schedule.slot': _perms(dispatcher='rwcd',
        administrator='rwcd'),
    'coop.dispatch.round': _perms(dispatcher='rwcd', administrator='rwcd'),
    # What riders say in the portal: the slots they are available for and
    # their applications for shifts; a rider reads her own, the
    # dispatcher every one of her coop's and answers the applications
    'coop.dispatch.availability': _perms(rider='o', dispatcher='r',
        administrator='rwcd'),
    'coop.dispatch.application': _perms(rider='o', dispatcher='rw',
        administrator='rwcd'),
    'coop.member': _perms(membership='rwcd', administrator='rwcd'),
    # The accountant reads the capital's movements
    'coop.share.operation': _perms(membership='rwcd', accountant='r',
        administrator='rwcd'),
    'coop.assembly': _perms(membership='rwcd', administrator='rwcd'),
    # An assembly's tellers: its Many2Many's table, not exposed to RPC
    # (written through the assembly, whose access records it carries)
    'coop.assembly.teller': NOBODY,
    # Online ballots: written by the portal only, read by the secretary
    # (a secret ballot names no voter: coop_portal/ballot.py)
    'coop.assembly.ballot': _perms(membership='r', administrator='r'),
    'coop.assembly.ballot.cast': _perms(membership='r', administrator='r'),
    'coop.einvoice.late_payment': ACCOUNTING,
    # The monthly declaration: the payroll's; the accountant reads it
    'coop.dsn.declaration': _perms(payroll='rwcd', accountant='r',
        administrator='rwcd'),
    'coop.dsn.code': _perms(payroll='rwcd', accountant='r',
        administrator='rwcd'),
    # Each coop's settings (coop_tools/settings.py, docs/settings.md): the
    # value models are no ModelView, so not exposed to RPC at all; they are
    # read and written through their configuration's form, whose access
    # records decide (the value models carry the same ones)
    **{model: NOBODY for model in [
            'coop.payroll.configuration.payroll',
            'coop.payroll.configuration.fr',
            'coop.payroll.configuration.dsn',
            'coop.membership.configuration.membership',
            'coop.membership.configuration.surplus',
            'coop.delivery.configuration.tour',
            'coop.delivery.configuration.invoicing',
            'coop.delivery.configuration.dispatch',
            ]},
    }

# Sensitive fields: the roles that may read them (other roles with read on
# the model get an access error on these fields)
FIELDS = {
    ('web.user', 'password_hash'): (),
    ('web.user', 'reset_password_token'): (),
    ('web.user', 'reset_password_token_expire'): (),
    ('web.user', 'email_token'): (),
    ('party.party', 'payable'): ('payroll', 'accountant', 'administrator'),
    ('party.party', 'payable_today'): (
        'payroll', 'accountant', 'administrator'),
    ('party.party', 'receivable'): ('payroll', 'accountant', 'administrator'),
    ('party.party', 'receivable_today'): (
        'payroll', 'accountant', 'administrator'),
    ('bank.account.number', 'number'): (
        'payroll', 'accountant', 'administrator'),
    ('bank.account.number', 'number_compact'): (
        'payroll', 'accountant', 'administrator'),
    # Who owns a bank account (a Many2Many through
    # bank.account-party.party, whose rules keep it to these roles: the
    # others read no owner)
    ('party.party', 'bank_accounts'): (
        'payroll', 'accountant', 'administrator'),
    # A user's login and e-mail (each user reads her own through her
    # preferences)
    ('res.user', 'login'): ('administrator',),
    ('res.user', 'email'): ('administrator',),
    ('res.user', 'password_hash'): (),
    ('res.user', 'password_reset'): (),
    # An employee's birth date and place, declared in the DSN
    ('company.employee', 'birth_date'): ('payroll', 'administrator'),
    ('company.employee', 'birth_place'): ('payroll', 'administrator'),
    }

# Menus (module, xml id): the roles that see them; the others do not
MENUS = {
    ('coop_payroll', 'menu_payroll'): EVERYONE,
    ('coop_payroll', 'menu_payslip_form'): EVERYONE,
    ('coop_payroll', 'menu_contract_form'): EVERYONE,
    ('coop_payroll', 'menu_absence_form'): EVERYONE,
    ('coop_payroll', 'menu_run'): ('payroll', 'administrator'),
    ('coop_payroll', 'menu_batch_form'): ('payroll', 'administrator'),
    ('coop_payroll', 'menu_monthly_hours_form'): ('payroll', 'administrator'),
    ('coop_payroll', 'menu_configuration'): ('payroll', 'administrator'),
    ('coop_portal', 'menu_bank_account_request_form'): (
        'payroll', 'administrator'),
    ('coop_dsn', 'menu_declaration_form'): (
        'payroll', 'accountant', 'administrator'),
    ('coop_dsn', 'menu_declare'): ('payroll', 'administrator'),
    ('coop_dsn', 'menu_code_form'): ('payroll', 'administrator'),
    ('coop_payroll_fr', 'menu_leave_provision'): (
        'payroll', 'administrator'),
    ('coop_payroll_fr', 'menu_ijss_receipt_form'): (
        'payroll', 'administrator'),
    ('coop_payroll_membership', 'menu_extra_form'): (
        'payroll', 'administrator'),
    ('coop_delivery', 'menu_delivery'): (
        'dispatcher', 'accountant', 'administrator'),
    ('coop_delivery', 'menu_invoice'): ('accountant', 'administrator'),
    ('coop_delivery', 'menu_delivery_form'): ('dispatcher', 'administrator'),
    ('coop_delivery', 'menu_tour_form'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_shift_form'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_schedule_form'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_slot_form'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_shift_template_form'): (
        'dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_round_form'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_hours'): ('dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_availability_form'): (
        'dispatcher', 'administrator'),
    ('coop_dispatch', 'menu_application_form'): (
        'dispatcher', 'administrator'),
    ('coop_membership', 'menu_membership'): ('membership', 'administrator'),
    }
