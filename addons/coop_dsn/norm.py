# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the declaration's local checks know of the NEODeS norm (P26V01):
the blocks it writes, their place in the tree, their cardinality and
mandatory fields, and the format of each field (docs/dsn.md)

Types, lengths and code lists are those of norm-P26V01.yaml in
Jikenlabs/open-neodes, a reading of the cahier technique; the tree, the
cardinalities and which fields are mandatory are this module's reading,
unconfirmed. Checks work on the file's text only, so that a file changed
after it was built is checked as it stands.
"""
import re
from collections import defaultdict, namedtuple

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

# code: (parent, minimum, maximum or None, mandatory fields); a parent's
# children come in the order listed here
Block = namedtuple('Block', ['parent', 'min', 'max', 'mandatory'])
BLOCKS = {
    'S10.G00.00': Block(None, 1, 1, ('001', '002', '003', '005', '006')),
    'S10.G00.01': Block(
        'S10.G00.00', 1, 1, ('001', '002', '003', '004', '005', '006')),
    'S10.G00.02': Block('S10.G00.00', 1, None, ('002', '004')),
    'S20.G00.05': Block(
        None, 1, 1, ('001', '002', '003', '004', '005', '007', '008', '010')),
    'S21.G00.06': Block('S20.G00.05', 1, 1, ('001', '002', '003')),
    'S21.G00.11': Block('S21.G00.06', 1, 1, ('001', '002')),
    'S21.G00.15': Block('S21.G00.11', 0, None, ('001', '002', '005')),
    'S21.G00.20': Block(
        'S21.G00.11', 0, None, ('001', '005', '006', '007', '010')),
    'S21.G00.22': Block('S21.G00.11', 0, None, ('001', '003', '004', '005')),
    'S21.G00.23': Block('S21.G00.22', 1, None, ('001', '002', '005')),
    'S21.G00.30': Block(
        'S21.G00.11', 0, None, ('001', '002', '004', '005', '006', '007')),
    'S21.G00.40': Block(
        'S21.G00.30', 1, None, ('001', '002', '003', '007', '009', '011',
            '012', '013', '014', '016', '017', '018', '019', '020')),
    'S21.G00.60': Block('S21.G00.40', 0, None, ('001', '002')),
    'S21.G00.62': Block('S21.G00.40', 0, 1, ('001', '002')),
    'S21.G00.63': Block('S21.G00.62', 0, None, ('001',)),
    'S21.G00.70': Block('S21.G00.40', 0, None, ('012', '013', '014')),
    'S21.G00.71': Block('S21.G00.40', 0, 1, ('002',)),
    'S21.G00.50': Block(
        'S21.G00.30', 0, None, ('001', '002', '004', '006', '007', '009')),
    'S21.G00.51': Block(
        'S21.G00.50', 0, None, ('001', '002', '010', '011', '013')),
    'S21.G00.52': Block('S21.G00.50', 0, None, ('001', '002')),
    'S21.G00.54': Block('S21.G00.50', 0, None, ('001', '002')),
    'S21.G00.58': Block('S21.G00.50', 0, None, ('003', '004')),
    'S21.G00.78': Block('S21.G00.50', 0, None, ('001', '002', '003', '004')),
    'S21.G00.79': Block('S21.G00.78', 0, None, ('001', '004')),
    'S21.G00.81': Block('S21.G00.78', 0, None, ('001', '004')),
    'S90.G00.90': Block(None, 1, 1, ('001', '002')),
    }
_CHILDREN = defaultdict(list)
for _code, _block in BLOCKS.items():
    _CHILDREN[_block.parent].append(_code)
RANK = {c: i for children in _CHILDREN.values()
    for i, c in enumerate(children)}

# S21.G00.62.002, the reasons a coop's contract ends for that this module
# writes, with their labels in the norm-P26V01.yaml code list (the
# contract's End Reason offers them: this is the one list)
END_REASONS = [
    (None, ""),
    ('014', "Dismissal for Economic Reasons"),
    ('020', "Dismissal for Another Reason (Personal Grounds)"),
    ('031', "End of a Fixed-Term Contract"),
    ('034', "End of Trial Period, by the Employer"),
    ('035', "End of Trial Period, by the Employee"),
    ('036', "Early End of a Fixed-Term Contract, by the Employer"),
    ('037', "Early End of a Fixed-Term Contract, by the Employee"),
    ('039', "Retirement, by the Employee"),
    ('043', "Negotiated Termination (Rupture Conventionnelle)"),
    ('059', "Resignation"),
    ('066', "Death of the Employee"),
    ('087', "Dismissal for Serious Misconduct (Faute Grave)"),
    ('088', "Dismissal for Gross Misconduct (Faute Lourde)"),
    ('091', "Dismissal for Unfitness of Non-Occupational Origin"),
    ('092', "Dismissal for Unfitness of Occupational Origin"),
    ]
# The reasons that need the day the end was notified (S21.G00.62.003), the
# day the agreement was signed (.004), the day the dismissal procedure
# started (.005: the convocation to the preliminary interview) and the
# notice block S21.G00.63: DSN-Val's CCH-11/CCH-12 as two open-source DSN
# writers quote the cahier technique 2026 (docs/dsn.md), which agree on
# these codes (both list 014, 020, 087, 088 for .003 and 014, 020, 087,
# 088, 091, 092 for .005; neither lists 091 or 092 for .003)
NOTIFIED_REASONS = {'014', '020', '034', '035', '036', '037', '059', '087',
    '088'}
SIGNED_REASONS = {'043'}
DISMISSAL_REASONS = {'014', '020', '087', '088', '091', '092'}
PROCEDURE_REASONS = DISMISSAL_REASONS
# A dismissal declares its notice (S21.G00.63): « licenciement, démission,
# retraite ont un préavis : effectué ou non, payé ou non, avec ses deux
# dates » (the same writers); required here for the dismissals
NOTICE_REASONS = DISMISSAL_REASONS
# S21.G00.63.001, the notice types offered (norm-P26V01.yaml labels); all
# but 90 carry their start and end (.002, .003: CCH-13/14 as quoted)
NOTICE_TYPES = [
    (None, ""),
    ('01', "Notice Worked and Paid"),
    ('02', "Notice Not Worked, Paid"),
    ('03', "Notice Not Worked, Not Paid"),
    ('90', "No Notice Clause Applies"),
    ]
NOTICE_WITHOUT_DATES = {'90'}

# Field types: X text, N number, D date DDMMYYYY
Field = namedtuple('Field', ['type', 'length', 'codes'])


def _f(type_, length, codes=None):
    return Field(type_, length, frozenset(codes.split()) if codes else None)


FIELDS = {
    'S10.G00.00.001': _f('X', 20),
    'S10.G00.00.002': _f('X', 20),
    'S10.G00.00.003': _f('X', 10),
    'S10.G00.00.005': _f('X', 2, '01 02'),
    'S10.G00.00.006': _f('X', 6, 'P26V01'),
    'S10.G00.00.007': _f('X', 2, '01 02'),
    'S10.G00.00.008': _f('X', 2, '01 02'),
    'S10.G00.01.001': _f('X', 9),
    'S10.G00.01.002': _f('X', 5),
    'S10.G00.01.003': _f('X', 60),
    'S10.G00.01.004': _f('X', 50),
    'S10.G00.01.005': _f('X', 5),
    'S10.G00.01.006': _f('X', 50),
    'S10.G00.02.002': _f('X', 80),
    'S10.G00.02.004': _f('X', 100),
    'S10.G00.02.005': _f('X', 20),
    'S20.G00.05.001': _f('X', 2, '01 04 05 07'),
    'S20.G00.05.002': _f('X', 2, '01 02 03 05'),
    'S20.G00.05.003': _f('N', 2),
    'S20.G00.05.004': _f('N', 15),
    'S20.G00.05.005': _f('D', 8),
    'S20.G00.05.006': _f('X', 23),
    'S20.G00.05.007': _f('D', 8),
    'S20.G00.05.008': _f('X', 2, '01 02 03'),
    'S20.G00.05.010': _f('X', 2, '01 02'),
    'S21.G00.06.001': _f('X', 9),
    'S21.G00.06.002': _f('X', 5),
    'S21.G00.06.003': _f('X', 5),
    'S21.G00.06.004': _f('X', 50),
    'S21.G00.06.005': _f('X', 5),
    'S21.G00.06.006': _f('X', 50),
    'S21.G00.11.001': _f('X', 5),
    'S21.G00.11.002': _f('X', 5),
    'S21.G00.11.003': _f('X', 50),
    'S21.G00.11.004': _f('X', 5),
    'S21.G00.11.005': _f('X', 50),
    'S21.G00.11.017': _f('X', 2, '01 02 03'),
    'S21.G00.11.022': _f('X', 4),
    'S21.G00.15.001': _f('X', 30),
    'S21.G00.15.002': _f('X', 9),
    'S21.G00.15.004': _f('X', 2, '01 02'),
    'S21.G00.15.005': _f('X', 3),
    'S21.G00.20.001': _f('X', 14),
    'S21.G00.20.005': _f('N', 18),
    'S21.G00.20.006': _f('D', 8),
    'S21.G00.20.007': _f('D', 8),
    'S21.G00.20.010': _f('X', 2, '01 02 04 05 06'),
    'S21.G00.22.001': _f('X', 14),
    'S21.G00.22.003': _f('D', 8),
    'S21.G00.22.004': _f('D', 8),
    'S21.G00.22.005': _f('N', 18),
    'S21.G00.23.001': _f('X', 3),
    'S21.G00.23.002': _f('X', 3, '920 921'),
    'S21.G00.23.004': _f('N', 18),
    'S21.G00.23.005': _f('N', 18),
    'S21.G00.30.001': _f('X', 13),
    'S21.G00.30.002': _f('X', 80),
    'S21.G00.30.004': _f('X', 80),
    'S21.G00.30.005': _f('X', 2, '01 02'),
    'S21.G00.30.006': _f('D', 8),
    'S21.G00.30.007': _f('X', 30),
    'S21.G00.30.008': _f('X', 50),
    'S21.G00.30.009': _f('X', 5),
    'S21.G00.30.010': _f('X', 50),
    'S21.G00.30.014': _f('X', 2),
    'S21.G00.30.015': _f('X', 2),
    'S21.G00.30.019': _f('X', 30),
    'S21.G00.40.001': _f('D', 8),
    'S21.G00.40.002': _f('X', 2, '01 02 03 04 05 06 07 08 09 10'),
    'S21.G00.40.003': _f('X', 2, '01 02 04 98 99'),
    'S21.G00.40.004': _f('X', 4),
    'S21.G00.40.006': _f('X', 120),
    'S21.G00.40.007': _f('X', 2, '01 02'),
    'S21.G00.40.008': _f('X', 2, '99'),
    'S21.G00.40.009': _f('X', 20),
    'S21.G00.40.010': _f('D', 8),
    'S21.G00.40.011': _f('X', 2, '10'),
    'S21.G00.40.012': _f('N', 7),
    'S21.G00.40.013': _f('N', 7),
    'S21.G00.40.014': _f('X', 2, '10 20'),
    'S21.G00.40.016': _f('X', 2, '01 02 03 99'),
    'S21.G00.40.017': _f('X', 4),
    'S21.G00.40.018': _f('X', 3, '200'),
    'S21.G00.40.019': _f('X', 14),
    'S21.G00.40.020': _f('X', 3, '200'),
    'S21.G00.40.021': _f('X', 2, ' '.join(f'{i:02}' for i in range(1, 16))),
    'S21.G00.40.024': _f('X', 2, '01 02 03 99'),
    'S21.G00.40.036': _f('X', 2, '01 02 03'),
    'S21.G00.40.037': _f('X', 2, '01 02 03'),
    'S21.G00.40.039': _f('X', 3, '200'),
    'S21.G00.40.040': _f('X', 6),
    'S21.G00.40.043': _f('N', 6),
    'S21.G00.60.001': _f('X', 2, '01 02 03 04 05 06 07 09 15 16 17 18 19'),
    'S21.G00.60.002': _f('D', 8),
    'S21.G00.60.003': _f('D', 8),
    'S21.G00.60.004': _f('X', 2, '01 02'),
    'S21.G00.60.005': _f('D', 8),
    'S21.G00.60.006': _f('D', 8),
    'S21.G00.60.007': _f('X', 34),
    'S21.G00.60.008': _f('X', 11),
    'S21.G00.60.010': _f('D', 8),
    'S21.G00.60.011': _f('X', 2, '01 02 03'),
    'S21.G00.60.012': _f('D', 8),
    'S21.G00.62.001': _f('D', 8),
    # The reasons this module writes (END_REASONS)
    'S21.G00.62.002': _f('X', 3, ' '.join(c for c, _ in END_REASONS if c)),
    'S21.G00.62.003': _f('D', 8),
    'S21.G00.62.004': _f('D', 8),
    'S21.G00.62.005': _f('D', 8),
    'S21.G00.62.006': _f('D', 8),
    'S21.G00.63.001': _f('X', 2, '01 02 03 10 50 51 60 61 90'),
    'S21.G00.63.002': _f('D', 8),
    'S21.G00.63.003': _f('D', 8),
    'S21.G00.70.012': _f('X', 3),
    'S21.G00.70.013': _f('X', 3),
    'S21.G00.70.014': _f('D', 8),
    'S21.G00.71.002': _f('X', 8, 'RETA RETC RUAA 90000'),
    'S21.G00.50.001': _f('D', 8),
    'S21.G00.50.002': _f('N', 12),
    'S21.G00.50.004': _f('N', 12),
    'S21.G00.50.006': _f('N', 5),
    'S21.G00.50.007': _f('X', 2, '01 13 17 23 27 33 37 99'),
    'S21.G00.50.009': _f('N', 12),
    'S21.G00.50.013': _f('N', 12),
    'S21.G00.50.020': _f('X', 2, '01 02'),
    'S21.G00.51.001': _f('D', 8),
    'S21.G00.51.002': _f('D', 8),
    'S21.G00.51.010': _f('X', 20),
    'S21.G00.51.011': _f('X', 3, '001 002 003 010 017 018'),
    'S21.G00.51.012': _f('N', 7),
    'S21.G00.51.013': _f('N', 11),
    'S21.G00.52.001': _f('X', 3, '020'),
    'S21.G00.52.002': _f('N', 12),
    'S21.G00.52.003': _f('D', 8),
    'S21.G00.52.004': _f('D', 8),
    'S21.G00.52.006': _f('X', 20),
    'S21.G00.54.001': _f('X', 2, '18 19'),
    'S21.G00.54.002': _f('N', 14),
    'S21.G00.54.003': _f('D', 8),
    'S21.G00.54.004': _f('D', 8),
    'S21.G00.54.005': _f('X', 20),
    'S21.G00.58.001': _f('D', 8),
    'S21.G00.58.002': _f('D', 8),
    'S21.G00.58.003': _f('X', 2, '01 03'),
    'S21.G00.58.004': _f('N', 12),
    'S21.G00.78.001': _f('X', 2, '02 03 04 07 31'),
    'S21.G00.78.002': _f('D', 8),
    'S21.G00.78.003': _f('D', 8),
    'S21.G00.78.004': _f('N', 11),
    'S21.G00.78.005': _f('X', 3),
    'S21.G00.78.006': _f('X', 20),
    'S21.G00.79.001': _f('X', 2, '01'),
    'S21.G00.79.004': _f('N', 14),
    # The codes of the list this module maps payslip lines to
    'S21.G00.81.001': _f('X', 3, '018 040 045 048 049 059 068 072 074 075 '
        '076 079 081 100 106 114 128 130 131'),
    'S21.G00.81.002': _f('X', 14),
    'S21.G00.81.003': _f('N', 14),
    'S21.G00.81.004': _f('N', 14),
    'S90.G00.90.001': _f('N', 12),
    'S90.G00.90.002': _f('N', 6),
    }

LINE = re.compile(r"^(S\d{2}\.G\d{2}\.\d{2})\.(\d{3}),'(.*)'$")
NUMBER = re.compile(r'^-?\d+(\.\d+)?$')
DATE = re.compile(r'^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{4}$')
# The NIR without its key: sex, year, month, department (2A, 2B), 8 digits
NIR = re.compile(r'^[1-478]\d{4}(\d{2}|2A|2B)\d{6}$')
ALLOWED_TEXT = re.compile(r"^[^'\n\r]*$")

# What an event notice needs beyond the blocks' own rules: its blocks, and
# fields of them (this module's reading of the usage rules, unconfirmed)
EVENT_NATURES = {'04', '05', '07'}
NATURE_BLOCKS = {
    '04': ('S21.G00.60',),
    '05': ('S21.G00.60',),
    '07': ('S21.G00.62', 'S21.G00.50'),
    }
NATURE_FIELDS = {
    ('04', 'S21.G00.60'): ('003', '004'),
    ('05', 'S21.G00.60'): ('010', '011'),
    ('07', 'S21.G00.50'): ('020',),
    }

Failure = namedtuple(
    'Failure', ['employee', 'block', 'field', 'message', 'values'])
Instance = namedtuple('Instance', ['code', 'line', 'values'])


def parse(text):
    """The file's blocks as Instances and the lines that are not
    rubriques, as (line number, line)

    A block's instance ends where another block starts or where one of its
    own fields comes again or before the last one."""
    instances, bad = [], []
    current, last = None, None
    for number, line in enumerate(text.splitlines(), 1):
        match = LINE.match(line)
        if not match:
            bad.append((number, line))
            continue
        block, field, value = match.groups()
        if (current is None or current.code != block
                or field <= last):
            current = Instance(block, number, {})
            instances.append(current)
        current.values[field] = value
        last = field
    return instances, bad


def rubriques(text):
    "[(code, value)] of the file"
    result = []
    for instance in parse(text)[0]:
        for field, value in instance.values.items():
            result.append((f'{instance.code}.{field}', value))
    return result


class Checker:
    """Checks a file's text; failures are Failure tuples whose message is
    the id of an ir.message of coop_dsn with its values"""

    def __init__(self, text):
        self.text = text
        self.failures = []
        self.employee = ''

    def fail(self, block, field, message, **values):
        self.failures.append(
            Failure(self.employee, block, field, message, values))

    def check(self):
        instances, bad = parse(self.text)
        for number, line in bad:
            self.fail('', '', 'msg_check_syntax', line=number,
                text=line[:40])
        self.check_structure(instances)
        self.check_nature(instances)
        self.check_keys(instances)
        self.check_totals(instances)
        return self.failures

    def check_nature(self, instances):
        """An event notice's one individual, the blocks and fields its
        nature needs"""
        nature = next((i.values.get('001') for i in instances
                if i.code == 'S20.G00.05'), None)
        if nature not in EVENT_NATURES:
            return
        self.employee = ''
        individuals = [i for i in instances if i.code == 'S21.G00.30']
        if len(individuals) != 1:
            self.fail('S21.G00.30', '', 'msg_check_nature_individual',
                count=len(individuals))
        if individuals:
            self.employee = self.employee_name(individuals[0])
        codes = {i.code for i in instances}
        for block in NATURE_BLOCKS[nature]:
            if block not in codes:
                self.fail(block, '', 'msg_check_nature_block',
                    nature=nature)
        for instance in instances:
            for field in NATURE_FIELDS.get((nature, instance.code), ()):
                if not instance.values.get(field):
                    self.fail(instance.code, field,
                        'msg_check_nature_field', nature=nature)
            if instance.code == 'S21.G00.60':
                # Under subrogation, its period and the employer's account
                # the health insurer pays (IBAN .007, and the BIC .008 with
                # it: CCH-11 as an open-source writer quotes it)
                if instance.values.get('004') == '01':
                    for field in ('005', '006', '007', '008'):
                        if not instance.values.get(field):
                            self.fail(instance.code, field,
                                'msg_check_subrogation_field')
            elif instance.code == 'S21.G00.62':
                self.check_end_reason(instance, codes)
            elif instance.code == 'S21.G00.63':
                if instance.values.get('001') not in NOTICE_WITHOUT_DATES:
                    for field in ('002', '003'):
                        if not instance.values.get(field):
                            self.fail(instance.code, field,
                                'msg_check_notice_field',
                                notice=instance.values.get('001', ''))

    def check_end_reason(self, instance, codes):
        "The dates and the notice block the end's reason needs"
        reason = instance.values.get('002')
        for field, reasons in [
                ('003', NOTIFIED_REASONS),
                ('004', SIGNED_REASONS),
                ('005', PROCEDURE_REASONS),
                ]:
            if reason in reasons and not instance.values.get(field):
                self.fail(instance.code, field, 'msg_check_reason_field',
                    reason=reason)
        if reason in NOTICE_REASONS and 'S21.G00.63' not in codes:
            self.fail('S21.G00.63', '', 'msg_check_reason_block',
                reason=reason)

    def check_structure(self, instances):
        # [code, instance, {child: count}, last child's rank]
        root = [None, None, defaultdict(int), -1]
        stack = [root]
        for instance in instances:
            code = instance.code
            if code == 'S21.G00.30':
                self.employee = self.employee_name(instance)
            block = BLOCKS.get(code)
            if block is None:
                self.fail(code, '', 'msg_check_unknown_block')
                continue
            if block.parent not in {node[0] for node in stack}:
                # The stack is kept: what follows is checked in its place
                self.fail(code, '', 'msg_check_parent',
                    parent=block.parent or '')
                continue
            while stack[-1][0] != block.parent:
                self.close(stack.pop())
            parent = stack[-1]
            if RANK[code] < parent[3]:
                self.fail(code, '', 'msg_check_order',
                    after=_CHILDREN[block.parent][parent[3]])
            parent[3] = max(parent[3], RANK[code])
            parent[2][code] += 1
            if block.max is not None and parent[2][code] > block.max:
                self.fail(code, '', 'msg_check_too_many',
                    maximum=block.max)
            stack.append([code, instance, defaultdict(int), -1])
            self.check_fields(instance, block)
        while stack:
            self.close(stack.pop())

    def close(self, node):
        code, _, counts, _ = node
        for child in _CHILDREN[code]:
            if counts[child] < BLOCKS[child].min:
                self.fail(child, '', 'msg_check_missing_block',
                    parent=code or '')

    def check_fields(self, instance, block):
        code = instance.code
        for field in block.mandatory:
            if not instance.values.get(field):
                self.fail(code, field, 'msg_check_missing_field')
        for field, value in instance.values.items():
            spec = FIELDS.get(f'{code}.{field}')
            if spec is None:
                self.fail(code, field, 'msg_check_unknown_field')
                continue
            if len(value) > spec.length:
                self.fail(code, field, 'msg_check_length', value=value,
                    length=spec.length)
            if spec.type == 'N':
                valid = bool(NUMBER.match(value))
            elif spec.type == 'D':
                valid = bool(DATE.match(value))
            else:
                valid = bool(ALLOWED_TEXT.match(value))
                try:
                    value.encode('latin-1')
                except UnicodeEncodeError:
                    valid = False
            if not valid:
                self.fail(code, field, 'msg_check_format', value=value)
            elif spec.codes is not None and value not in spec.codes:
                self.fail(code, field, 'msg_check_code', value=value)

    def employee_name(self, instance):
        values = instance.values
        return ' '.join(filter(None, [
                    values.get('004'), values.get('002')])) or values.get(
            '001', '')

    def check_keys(self, instances):
        self.employee = ''
        siren = None
        for instance in instances:
            code, values = instance.code, instance.values
            if code == 'S21.G00.30':
                self.employee = self.employee_name(instance)
                nir = values.get('001', '')
                if nir and not NIR.match(nir):
                    self.fail(code, '001', 'msg_check_key', value=nir)
            elif code == 'S10.G00.01':
                self.check_siret(code, '002',
                    values.get('001', '') + values.get('002', ''))
            elif code == 'S21.G00.06':
                siren = values.get('001', '')
                if not stdnum_siren.is_valid(siren):
                    self.fail(code, '001', 'msg_check_key', value=siren)
                self.check_siret(code, '002', siren + values.get('002', ''))
            elif code == 'S21.G00.11' and siren:
                self.check_siret(code, '001', siren + values.get('001', ''))
            elif code == 'S21.G00.40' and values.get('019'):
                self.check_siret(code, '019', values['019'])

    def check_siret(self, block, field, siret):
        if not stdnum_siret.is_valid(siret):
            self.fail(block, field, 'msg_check_key', value=siret)

    def check_totals(self, instances):
        """The individual contributions of a body add up to its aggregated
        contributions and its payment; the file's count of rubriques"""
        from decimal import Decimal, InvalidOperation

        def amount(value):
            try:
                return Decimal(value or '0')
            except InvalidOperation:
                return Decimal(0)
        individual = defaultdict(Decimal)
        aggregates, details, payments = {}, defaultdict(Decimal), {}
        bordereau = None
        count = 0
        totals = None
        self.employee = ''
        for instance in instances:
            code, values = instance.code, instance.values
            count += len(values)
            if code == 'S21.G00.30':
                self.employee = self.employee_name(instance)
            elif code == 'S21.G00.22':
                bordereau = values.get('001', '')
                aggregates[bordereau] = amount(values.get('005'))
            elif code == 'S21.G00.23' and bordereau is not None:
                details[bordereau] += amount(values.get('005'))
            elif code == 'S21.G00.20':
                payments[values.get('001', '')] = amount(values.get('005'))
            elif code == 'S21.G00.81':
                individual[values.get('002', '')] += amount(
                    values.get('004'))
            elif code == 'S90.G00.90':
                totals = values
        self.employee = ''
        # URSSAF's lines name no body: they are the bordereau's
        urssaf = next(iter(aggregates), None)
        for body, total in aggregates.items():
            if details[body] != total:
                self.fail('S21.G00.22', '005', 'msg_check_total',
                    body=body, expected=details[body], found=total)
        if urssaf is not None or individual.get(''):
            individual[urssaf or ''] += individual.pop('', Decimal(0))
        for body in sorted(set(individual) | set(payments)):
            total = individual.get(body, Decimal(0))
            if body == urssaf or body == '':
                if aggregates.get(body) != total:
                    self.fail('S21.G00.22', '005', 'msg_check_total',
                        body=body, expected=total,
                        found=aggregates.get(body, 0))
            if body in payments and payments[body] != total:
                self.fail('S21.G00.20', '005', 'msg_check_total',
                    body=body, expected=total, found=payments[body])
        if totals is not None and totals.get('001') != str(count):
            self.fail('S90.G00.90', '001', 'msg_check_count',
                expected=count, found=totals.get('001', ''))
