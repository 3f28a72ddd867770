# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"`coop import members`: the CSV parser, and the replay into a register"
import contextlib
import datetime as dt
import unittest
from decimal import Decimal

from coop_cli import members
from coop_cli.members import MemberImportError, parse
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite

from .support import copy_database

# The replay is the register's ORM code, which the module's tests run on
# both backends; the command's tests need SQLite files
BACKENDS = {'sqlite'}
D = dt.date

# Out of order in the file; by effective date: lines 3, 4, 5, 7, 2, 6.
# Member 3 is created by the transfer that gives it its first share; member
# 2 sells back its last shares and leaves.
GOOD = """\
date,kind,member,name,category,person,share_class,shares,to_member,to_name,to_category,effective_date
2021-05-10,increase,1,,,,A,2,,,,
2019-03-01,subscription,1,Awa Diallo,EMP,,A,4,,,,
01/09/2019,subscription,2,Karim Benali,EMP,,A,3,,,,
2020-02-01,transfer,2,,,,A,1,3,Noé Martin,EMP,
2022-01-15,sell_back,2,,,,A,2,,,,2022-03-31
2020-06-01,subscription,4,Les Amis du Vélo,SUP,organisation,A,1,,,,
"""
# The register number each line of GOOD gets
GOOD_NUMBERS = {3: '1', 4: '2', 5: '3', 7: '4', 2: '5', 6: '6'}

# Errors of every kind, one a line; those of lines 4, 5 and 9 take the
# register to see
BAD = """\
date,kind,member,name,category,share_class,shares,to_member
2020-13-01,subscription,10,Zoé,EMP,A,1,
2020-01-01,buy,11,Yann,EMP,A,1,
2020-01-01,subscription,12,Xavier,XXX,A,1,
2020-01-01,subscription,13,Wafa,EMP,Z,1,
2020-01-01,subscription,14,Victor,EMP,A,0,
2020-01-01,subscription,15,Ugo,EMP,A,1.5,
2020-01-01,transfer,1,Awa Diallo,EMP,A,1,
2020-01-01,subscription,16,,,A,1,
2020-01-01,subscription,17,Tom,EMP,A,1
2020-02-01,subscription,18,Sara,EMP,A,2,
"""
BAD_LINES = {
    2: "'2020-13-01' is not a date",
    3: "unknown kind 'buy'",
    4: "unknown category 'XXX'",
    5: "unknown share class 'Z'",
    6: "shares must be positive",
    7: "shares '1.5' is not a whole number",
    8: "to_member is empty",
    9: "member 16 is not in the register",
    10: "7 fields, the header has 8",
    }


def errors_by_line(errors):
    result = {}
    for error in errors:
        result.setdefault(error.line, []).append(error.message)
    return result


class ParseTestCase(unittest.TestCase):
    "The parser needs no database"

    def test_good_file(self):
        "Valid rows come sorted by effective date, then line"
        parsed = parse(GOOD.encode())
        self.assertEqual(parsed.errors, [])
        self.assertFalse(parsed.fatal)
        self.assertEqual(parsed.count, 6)
        self.assertEqual([r.line for r in parsed.rows], [3, 4, 5, 7, 2, 6])
        transfer = parsed.rows[2]
        self.assertEqual((transfer.kind, transfer.member, transfer.to_member,
                transfer.quantity), ('transfer', '2', '3', 1))
        self.assertEqual(parsed.rows[1].date, D(2019, 9, 1))
        sell_back = parsed.rows[-1]
        self.assertEqual((sell_back.date, sell_back.effective_date),
            (D(2022, 1, 15), D(2022, 3, 31)))
        newcomer = parsed.members['3']
        self.assertEqual((newcomer.get('name'), newcomer.get('category'),
                newcomer.line), ("Noé Martin", 'EMP', 5))
        self.assertEqual(parsed.members['4'].get('person'), 'organisation')
        self.assertIsNone(parsed.members['1'].get('person'))

    def test_same_date_keeps_file_order(self):
        "Rows of one effective date are replayed in the file's order"
        parsed = parse(
            "date,kind,member,share_class,shares,effective_date\n"
            "2020-01-02,increase,1,A,1,\n"
            "2020-01-01,increase,2,A,1,2020-01-02\n"
            "2020-01-02,increase,3,A,1,\n".encode())
        self.assertEqual([r.line for r in parsed.rows], [2, 3, 4])

    def test_every_error_with_its_line(self):
        "A bad file reports every bad row, each with its line number"
        parsed = parse(BAD.encode())
        self.assertFalse(parsed.fatal)
        found = errors_by_line(parsed.errors)
        for line, expected in BAD_LINES.items():
            if line in {4, 5, 9}:  # the register knows these
                continue
            with self.subTest(line=line):
                self.assertTrue(
                    any(expected in m for m in found.get(line, [])),
                    found.get(line))
        self.assertEqual(set(found), set(BAD_LINES) - {4, 5, 9})
        self.assertEqual([r.line for r in parsed.rows], [4, 5, 9, 11])
        # What the register must check is kept with its line
        self.assertIn(('Z', 5), parsed.class_codes)
        self.assertEqual(parsed.members['12'].line_of('category'), 4)

    def test_several_errors_in_a_row(self):
        "A row's errors are all reported"
        parsed = parse(
            "date,kind,member,share_class,shares,to_class,effective_date\n"
            "2020-02-30,conversion,1,A,x,A,2020-01-01\n"
            "2020-03-01,subscription,1,A,1,B,2020-02-01\n".encode())
        found = errors_by_line(parsed.errors)
        self.assertEqual(len(found[2]), 4, found[2])
        for expected in ["date '2020-02-30' is not a date",
                "shares 'x' is not a whole number",
                "to_class A is the class converted from",
                "to_shares is empty"]:
            self.assertTrue(any(expected in m for m in found[2]), found[2])
        self.assertIn(
            "effective_date 2020-02-01 is before date 2020-03-01", found[3])
        self.assertIn(
            "to_class is only for a conversion, not a subscription",
            found[3])
        self.assertEqual(parsed.rows, [])

    def test_conflicting_descriptions(self):
        "A member described two ways is an error on the second line"
        parsed = parse(
            "date,kind,member,name,category,person,share_class,shares\n"
            "2020-01-01,subscription,1,Awa,EMP,,A,1\n"
            "2020-02-01,increase,1,Awa,BEN,company,A,1\n".encode())
        found = errors_by_line(parsed.errors)
        self.assertEqual(set(found), {3})
        self.assertTrue(any("category 'BEN' of member 1 is not the 'EMP' "
                "of line 2" in m for m in found[3]), found[3])
        self.assertTrue(any("'company' is neither person nor organisation"
                in m for m in found[3]), found[3])

    def test_semicolons(self):
        "A semicolon file is named as such, on line 1"
        parsed = parse(GOOD.replace(',', ';').encode())
        self.assertTrue(parsed.fatal)
        error, = parsed.errors
        self.assertEqual(error.line, 1)
        self.assertIn("separated by semicolons, not commas", error.message)

    def test_latin_1(self):
        "A Latin-1 file is refused, on the line of its first such byte"
        parsed = parse(GOOD.encode('latin-1'))
        self.assertTrue(parsed.fatal)
        error, = parsed.errors
        self.assertEqual(error.line, 5)  # Noé
        self.assertIn("not UTF-8", error.message)
        self.assertIn("0xe9", error.message)

    def test_bom_and_crlf(self):
        "What spreadsheets write: a BOM, CRLF line ends, capitals"
        data = b'\xef\xbb\xbf' + GOOD.replace('\n', '\r\n').replace(
            'date,kind', 'Date,Kind').encode()
        parsed = parse(data)
        self.assertEqual(parsed.errors, [])
        self.assertEqual(len(parsed.rows), 6)

    def test_header(self):
        "A missing, unknown or repeated column is said on line 1"
        for header, expected in [
                ("date,kind,member,shares", "missing column share_class"),
                ("date,kind,member,share_class,shares,efective_date",
                    "unknown column 'efective_date'"),
                ("date,kind,member,share_class,shares,name,name",
                    "column name given twice"),
                ]:
            with self.subTest(header=header):
                parsed = parse(f"{header}\n2020-01-01\n".encode())
                self.assertTrue(parsed.fatal)
                error, = parsed.errors
                self.assertEqual(error.line, 1)
                self.assertIn(expected, error.message)

    def test_trailing_comma(self):
        "A column with no name is left out, unless it holds something"
        parsed = parse(
            b"date,kind,member,share_class,shares,\n"
            b"2020-01-01,subscription,1,A,1,\n"
            b"2020-01-02,increase,1,A,1,2\n")
        self.assertEqual(parsed.errors, [
                members.Error(3, "a value under a column with no name")])
        self.assertEqual([r.line for r in parsed.rows], [2])

    def test_empty(self):
        "An empty file, or a header alone, is refused"
        self.assertTrue(parse(b'').fatal)
        parsed = parse(b"date,kind,member,share_class,shares\n\n")
        self.assertEqual(
            parsed.errors, [members.Error(1, "no rows after the header")])

    def test_blank_lines_counted(self):
        "Blank lines are skipped but keep the line numbers right"
        parsed = parse(
            "date,kind,member,share_class,shares\n\n,,,,\n"
            "2020-01-01,sell-back,1,A,-2\n".encode())
        error, = parsed.errors
        self.assertEqual(error.line, 4)
        self.assertIn("shares must be positive, not -2", error.message)

    def test_quoted_newline(self):
        "A quoted field over two lines: the next row keeps its own line"
        parsed = parse(
            'date,kind,member,name,category,share_class,shares\n'
            '2020-01-01,subscription,1,"Awa\nDiallo",EMP,A,1\n'
            '2020-01-01,subscription,2,Karim,EMP,A,0\n'.encode())
        error, = parsed.errors
        self.assertEqual(error.line, 4)

    def test_dates(self):
        self.assertEqual(members.parse_date('2020-02-29'), D(2020, 2, 29))
        self.assertEqual(members.parse_date('1/3/2020'), D(2020, 3, 1))
        for text in ['2020/01/01', '01-02-2020', '2019-02-29', '20200101',
                '1.3.2020']:
            with self.subTest(text=text):
                with self.assertRaises(ValueError):
                    members.parse_date(text)


class ReplayTestCase(unittest.TestCase):
    "The file replayed into a register: a trytond test database"

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @contextlib.contextmanager
    def register(self, form='scop'):
        "A company with its register set up (setup_membership)"
        from coop_membership.tests.tools import setup_membership
        from trytond.modules.company.tests import (
            create_company, set_company)
        company = create_company()
        with set_company(company):
            setup_membership(company, form=form)
            yield company

    def load(self, text, company):
        return members.load(parse(text.encode()), company, 'test.csv')

    def members(self, company):
        from trytond.pool import Pool
        Member = Pool().get('coop.member')
        return {m.number: m for m in Member.search([
                    ('company', '=', company.id)])}

    def operations(self):
        from trytond.pool import Pool
        Operation = Pool().get('coop.share.operation')
        return Operation.search([], order=[('id', 'ASC')])

    @with_transaction()
    def test_good_file_numbered_by_date(self):
        "Rows out of order in the file are numbered in date order"
        from trytond.pool import Pool
        Line = Pool().get('coop.share.operation.line')
        with self.register() as company:
            summary = self.load(GOOD, company)
            operations = self.operations()
            numbers = {int(o.description.rsplit(' ', 1)[1]): o.number
                for o in operations}
            self.assertEqual(numbers, GOOD_NUMBERS)
            dates = [o.effective_date for o in sorted(
                    operations, key=lambda o: int(o.number))]
            self.assertEqual(dates, sorted(dates))
            self.assertTrue(all(o.imported and o.state == 'recorded'
                    and not o.move for o in operations))
            self.assertEqual(operations[0].description,
                "Imported from test.csv, line 3")

            found = self.members(company)
            self.assertEqual(set(found), {'1', '2', '3', '4'})
            self.assertEqual(found['1'].party.name, "Awa Diallo")
            self.assertEqual(
                (found['1'].status, found['1'].entry_date),
                ('member', D(2019, 3, 1)))
            self.assertEqual(
                (found['2'].status, found['2'].entry_date,
                    found['2'].exit_date),
                ('former', D(2019, 9, 1), D(2022, 3, 31)))
            self.assertEqual(found['4'].person_kind, 'organisation')
            self.assertEqual(found['4'].category.code, 'SUP')

            self.assertEqual(summary['rows'], 6)
            self.assertEqual(summary['members_created'], 4)
            self.assertEqual(summary['operations'], {
                    'subscription': 3, 'increase': 1, 'transfer': 1,
                    'sell_back': 1, 'conversion': 0})
            self.assertEqual(summary['numbers'], ['1', '6'])
            self.assertEqual(summary['capital'], '200.00')
            self.assertEqual(summary['date'], '2022-03-31')
            self.assertEqual(summary['members'], 3)
            self.assertEqual(summary['warnings'], 0)
            self.assertEqual(summary['errors'], [])
            self.assertEqual(Line.capital(company, D(2022, 3, 31)),
                Decimal('200.00'))

    @with_transaction()
    def test_transfer_to_newcomer(self):
        "The receiver of a transfer is created by it and becomes a member"
        with self.register() as company:
            self.load(GOOD, company)
            newcomer = self.members(company)['3']
            self.assertEqual(newcomer.party.name, "Noé Martin")
            self.assertEqual(newcomer.category.code, 'EMP')
            self.assertEqual(
                (newcomer.status, newcomer.entry_date),
                ('member', D(2020, 2, 1)))
            transfer, = [o for o in self.operations()
                if o.kind == 'transfer']
            self.assertEqual(
                (transfer.member.number, transfer.to_member.number,
                    transfer.quantity), ('2', '3', 1))
            self.assertEqual(len(transfer.lines), 2)

    @with_transaction()
    def test_existing_members_and_conversion(self):
        "A second file adds to the register: known members, a conversion"
        from trytond.pool import Pool
        ShareClass = Pool().get('coop.share.class')
        with self.register() as company:
            ShareClass.create([{
                        'code': 'B', 'name': "Double",
                        'nominal': Decimal(50)}])
            self.load(GOOD, company)
            summary = self.load(
                "date,kind,member,category,share_class,shares,to_class,"
                "to_shares\n"
                "2023-01-01,conversion,1,EMP,A,2,B,1\n", company)
            self.assertEqual(summary['members_created'], 0)
            self.assertEqual(summary['operations']['conversion'], 1)
            self.assertEqual(summary['numbers'], ['7', '7'])
            self.assertEqual(summary['capital'], '200.00')
            member = self.members(company)['1']
            self.assertEqual(
                {(h.share_class.code, h.quantity) for h in member.holdings},
                {('A', 4), ('B', 1)})

    @with_transaction()
    def test_register_later_than_file(self):
        "A row older than the register's last operation: its message, line"
        with self.register() as company:
            self.load(GOOD, company)
            with self.assertRaises(MemberImportError) as context:
                self.load(
                    "date,kind,member,name,category,share_class,shares\n"
                    "2023-01-01,subscription,9,Zoé,EMP,A,1\n"
                    "2021-12-31,increase,1,,,A,1\n", company)
            error, = context.exception.errors
            self.assertEqual(error.line, 3)
            self.assertIn("increase of 1 A by member 1 on 2021-12-31: ",
                error.message)
            self.assertIn("cannot take effect on", error.message)
            self.assertIn('the register already has "6"', error.message)

    def test_register_refusals(self):
        "What the register refuses while replaying is told with the line"
        for text, expected in [
                ("2020-02-01,sell_back,1,,,A,4",
                    "does not hold that many shares"),
                ("2020-02-01,sell_back,1,,,A,2", "below the minimum of 30"),
                ("2020-02-01,subscription,1,,,A,3",
                    "already holds shares"),
                ("2020-02-01,increase,3,Léa,EMP,A,3", "holds no shares yet"),
                ]:
            with self.subTest(expected=expected):
                self._refused(
                    "date,kind,member,name,category,share_class,shares\n"
                    "2020-01-01,subscription,1,Awa,EMP,A,2\n"
                    "2020-01-15,increase,1,,,A,1\n"
                    f"{text}\n", expected)

    @with_transaction()
    def _refused(self, text, expected):
        with self.register() as company:
            with self.assertRaises(MemberImportError) as context:
                self.load(text, company)
            error, = context.exception.errors
            self.assertEqual(error.line, 4)
            self.assertIn(expected, error.message)

    @with_transaction()
    def test_bad_file_all_errors(self):
        "Errors of the file and of the register's codes come all at once"
        with self.register() as company:
            with self.assertRaises(MemberImportError) as context:
                self.load(BAD, company)
            found = errors_by_line(context.exception.errors)
            self.assertEqual(set(found), set(BAD_LINES))
            for line, expected in BAD_LINES.items():
                with self.subTest(line=line):
                    self.assertTrue(
                        any(expected in m for m in found[line]),
                        found[line])
            lines = [e.line for e in context.exception.errors]
            self.assertEqual(lines, sorted(lines))
            # Checked before anything was written
            self.assertEqual(self.members(company), {})
            self.assertEqual(self.operations(), [])

    @with_transaction()
    def test_file_against_register(self):
        "A known member described otherwise than the register is an error"
        with self.register() as company:
            self.load(GOOD, company)
            with self.assertRaises(MemberImportError) as context:
                self.load(
                    "date,kind,member,category,person,share_class,shares\n"
                    "2023-01-01,increase,1,SUP,,A,1\n"
                    "2023-01-01,increase,3,,organisation,A,1\n", company)
            self.assertEqual(errors_by_line(context.exception.errors), {
                    2: ["member 1 is in category EMP in the register, "
                        "not SUP"],
                    3: ["member 3 is recorded as person in the register, "
                        "not organisation"],
                    })

    @with_transaction()
    def test_history_breaking_a_limit_warns(self):
        """A limit the recorded history broke warns: the import keeps the
        history as it happened"""
        with self.register() as company:
            summary = self.load(
                "date,kind,member,name,category,share_class,shares\n"
                "2020-01-01,subscription,1,Awa,EMP,A,3\n"
                "2020-02-01,subscription,2,Amis,SUP,A,5\n", company)
            self.assertEqual(summary['operations']['subscription'], 2)
            self.assertTrue(any(
                    w['line'] == 3 and 'employees would hold 37.50 %'
                    in w['warning'] for w in summary['warning_details']))

    @with_transaction()
    def test_warnings_counted(self):
        "Legal warnings (a SCIC not whole yet) are counted and skipped"
        from trytond.pool import Pool
        Category = Pool().get('coop.member.category')
        with self.register(form='scic') as company:
            for code, weight in [('EMP', '0.4'), ('BEN', '0.3'),
                    ('SUP', '0.3')]:
                Category.write(Category.search([('code', '=', code)]), {
                        'vote_weight': Decimal(weight)})
            summary = self.load(
                "date,kind,member,name,category,share_class,shares\n"
                "2020-01-01,subscription,1,Awa,EMP,A,2\n"
                "2020-02-01,subscription,2,Léa,BEN,A,2\n"
                "2020-03-01,subscription,3,Amis,SUP,A,2\n", company)
            self.assertEqual(summary['operations']['subscription'], 3)
            details = summary['warning_details']
            self.assertEqual(summary['warnings'], len(details))
            lines = [w['line'] for w in details]
            # Line 2: one category, no beneficiary; line 3: two categories
            self.assertGreaterEqual(lines.count(2), 2, details)
            self.assertEqual(lines.count(3), 1, details)
            self.assertNotIn(4, lines)  # three categories: the SCIC is whole
            self.assertTrue(any('categories' in w['warning']
                    for w in details))
            self.assertEqual(len(self.operations()), 3)
            self.assertTrue(all(o.state == 'recorded'
                    for o in self.operations()))


# A register for the coop command's tests: a company 'Vélo Coop' set up by
# setup_membership, in a SQLite file made once per process
SETUP = """\
from coop_membership.tests.tools import setup_membership
company = create_company('Vélo Coop')
with set_company(company):
    setup_membership(company)
"""


def register_database(folder, name):
    "Copy the register into folder as the SQLite database name"
    copy_database(SETUP, folder, name)


if __name__ == '__main__':
    unittest.main()
