# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Pieces of Tryton models the suite writes alike"


def rec_name_domain(clause, *names):
    """The search_rec_name domain that matches clause on any of names (on
    none of them for a negative operator)"""
    _, operator, operand, *extra = clause
    if operator.startswith('!') or operator.startswith('not '):
        bool_op = 'AND'
    else:
        bool_op = 'OR'
    return [bool_op, *((name, operator, operand, *extra) for name in names)]
