# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Settings per coop: a configuration's values kept per company

Tryton's way (sale/configuration.py, account/configuration.py): the
configuration singleton is a CompanyMultiValueMixin whose settings are
fields.MultiValue of the same fields on a value model (ModelSQL +
CompanyValueMixin, a row per company). Reading `Configuration(1).journal`
reads the row of the context's company; writing it writes that row. See
docs/settings.md for the pattern step by step.

Only pool-model modules import this file (it imports trytond's company
module); coop_tools.model has what the command line may import too.
"""
import copy

from sql import Column, Null, Table
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .model import RequiredSettings, context_company

# Columns every ModelSQL has, which are never settings
_BASE_COLUMNS = {
    'id', 'company', 'create_uid', 'create_date', 'write_uid', 'write_date'}


def default_func(name):
    """The configuration's default of a MultiValue setting: its value
    model's (as sale/configuration.py)"""
    @classmethod
    def default(cls, **pattern):
        return getattr(
            cls.multivalue_model(name), 'default_%s' % name, lambda: None)()
    return default


def is_sequence(record):
    "Whether record is a sequence (ir.sequence or ir.sequence.strict)"
    return record.__name__ in {'ir.sequence', 'ir.sequence.strict'}


def own_sequences(field):
    """A copy of a sequence setting's field for the configuration's form:
    it offers the sequences of the coop edited only (the value model keeps
    the field as is, and refuses another's with a clear message)"""
    field = copy.deepcopy(field)
    field.domain = [*field.domain,
        ('company', '=', Eval('context', {}).get('company', -1))]
    return field


def in_company(field):
    """A copy of a setting's field for its value model, read in the row's
    company: for a target whose own fields are per company (a product's
    accounts and taxes)"""
    field = copy.deepcopy(field)
    field.context = {**field.context, 'company': Eval('company', -1)}
    field.depends = {*field.depends, 'company'}
    return field


class CompanySettings(RequiredSettings, CompanyMultiValueMixin):
    """A configuration singleton whose settings are per company

    get_required names the company and the setting when one is empty;
    _no_company_message (with %(field)s) is raised when the context has no
    company to read it for.

    A setting read or written for the context's company (neither an
    explicit company= nor of_company's) is refused with an AccessError,
    _company_not_allowed_message (with %(company)s), when that company is
    not one of the user's (res.user's companies, as Tryton's company module
    checks the context's company of the user's preferences): the value
    rows are read without the user's record rules, and over RPC the
    context is whatever the client sends."""
    __slots__ = ()
    _no_company_message = None
    _company_not_allowed_message = None

    def _check_context_company(self, pattern):
        context = Transaction().context
        if ('company' not in pattern
                and self._company_not_allowed_message
                and context.get('company') != context.get(
                    '_settings_company', -1)):
            context_company(self._company_not_allowed_message)

    def get_multivalue(self, name, **pattern):
        if self._is_company_setting(name):
            self._check_context_company(pattern)
        return super().get_multivalue(name, **pattern)

    def set_multivalue(self, name, value, save=True, **pattern):
        if self._is_company_setting(name):
            self._check_context_company(pattern)
        return super().set_multivalue(name, value, save=save, **pattern)

    @classmethod
    def of_company(cls, company):
        """The configuration as read for company: its settings are the
        company's whatever the context of later reads"""
        company = company.id if company else None
        # The company is the code's, not the client's (a private key: RPC
        # strips them from the client's context)
        with Transaction().set_context(
                company=company, _settings_company=company):
            return cls(1)

    def get_required(self, name):
        "The company's setting; a clear error naming both if it is not set"
        company = self._context.get('company')
        if (company is None and self._no_company_message
                and name in self._fields and self._is_company_setting(name)):
            raise self._missing_setting_error(gettext(
                    self._no_company_message, field=self._field_string(name)))
        return super().get_required(name)

    @classmethod
    def _is_company_setting(cls, name):
        try:
            Value = cls.multivalue_model(name)
        except (KeyError, AssertionError):
            return False
        return issubclass(Value, CompanyValueMixin)


class CompanySettingsValue(CompanyValueMixin):
    """A company's row of settings of a configuration

    _configuration names the configuration model whose table held these
    settings as columns before they became per company: when this table
    lacks a setting's column, __register__ copies the old column's value
    into the row of every company (the single value applied to them all),
    and frees the old column of its NOT NULL.

    Every setting naming a record of another company is refused: the
    _other_company_message (with %(field)s, %(company)s, %(record)s and
    %(other)s) is raised as _other_company_error; so is a sequence shared
    by every company (its company empty), with _shared_sequence_message
    (%(field)s, %(company)s, %(record)s): each coop numbers its documents
    in its own series."""
    __slots__ = ()
    _configuration = None
    _other_company_message = None
    _shared_sequence_message = None
    _other_company_error = None

    @classmethod
    def _setting_names(cls):
        "The settings stored in the value model's table"
        return [name for name, field in cls._fields.items()
            if name not in _BASE_COLUMNS
            and hasattr(field, 'sql_type')
            and not hasattr(field, 'getter')
            and field._type not in {'one2many', 'many2many'}]

    @classmethod
    def __register__(cls, module_name):
        TableHandler = backend.TableHandler
        if TableHandler.table_exist(cls._table):
            table_h = TableHandler(cls, module_name)
            new = [n for n in cls._setting_names()
                if not table_h.column_exist(n)]
        else:
            new = cls._setting_names()
        super().__register__(module_name)
        if cls._configuration:
            cls._migrate_settings(new)

    @classmethod
    def _migrate_settings(cls, names):
        """Copy the configuration's single values of names (its old
        columns) into every company's row"""
        pool = Pool()
        Configuration = pool.get(cls._configuration)
        TableHandler = backend.TableHandler
        if not TableHandler.table_exist(Configuration._table):
            return
        config_h = TableHandler(Configuration)
        old = [n for n in cls._setting_names() if config_h.column_exist(n)]
        for name in old:
            # No longer stored there: a new row must not need it
            config_h.not_null_action(name, action='remove')
        names = [n for n in names if n in old]
        if not names:
            return
        cursor = Transaction().connection.cursor()
        config = Table(Configuration._table)
        cursor.execute(*config.select(
                *[Column(config, n) for n in names],
                order_by=config.id, limit=1))
        row = cursor.fetchone()
        if not row:
            return
        values = {n: v for n, v in zip(names, row) if v is not None}
        if not values:
            return
        table = cls.__table__()
        for name, value in values.items():
            cursor.execute(*table.update(
                    [Column(table, name)], [value],
                    where=Column(table, name) == Null))
        cursor.execute(*table.select(table.company))
        present = {c for c, in cursor}
        company = Table('company_company')
        cursor.execute(*company.select(company.id, order_by=company.id))
        companies = [c for c, in cursor if c not in present]
        if not companies:
            return
        # A new row needs the other required settings: their defaults
        defaults = {}
        for name in cls._setting_names():
            field = cls._fields[name]
            if name not in values and field.required:
                default = getattr(cls, 'default_%s' % name, None)
                if default:
                    defaults[name] = default()
        columns = [table.company, table.create_uid, table.create_date] + [
            Column(table, n) for n in [*values, *defaults]]
        for company_id in companies:
            cursor.execute(*table.insert(columns, [[
                            company_id, 0, CurrentTimestamp(),
                            *values.values(), *defaults.values()]]))

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        cls.check_setting_companies(records, field_names)

    @classmethod
    def check_setting_companies(cls, records, field_names=None):
        "A company's setting never names another company's record"
        names = [n for n in cls._setting_names()
            if cls._fields[n]._type == 'many2one'
            and (not field_names or n in field_names)]
        if not names or not cls._other_company_message:
            return
        for record in records:
            if not record.company:
                continue
            for name in names:
                target = getattr(record, name)
                other = getattr(target, 'company', None) if target else None
                if (target and not other and is_sequence(target)
                        and cls._shared_sequence_message):
                    raise cls._other_company_error(gettext(
                            cls._shared_sequence_message,
                            field=cls._fields[name].string,
                            company=record.company.rec_name,
                            record=target.rec_name))
                if other and other != record.company:
                    raise cls._other_company_error(gettext(
                            cls._other_company_message,
                            field=cls._fields[name].string,
                            company=record.company.rec_name,
                            record=target.rec_name,
                            other=other.rec_name))
