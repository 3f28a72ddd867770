# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Every label, help text, selection and message of the suite has French"
import os
import unittest

import polib

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.suite import module_folder
from coop_tools.testing import SUITE_MODULES, activate_suite

BACKENDS = {'sqlite'}


class TranslationsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # The three modules activate together, as in a coop's database
        activate_suite()

    @with_transaction()
    def test_french_is_complete(self):
        "Each module's fr.po translates every string the module shows"
        pool = Pool()
        Translation = pool.get('ir.translation')
        # The views' strings are collected by this wizard, not on install
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        session_id, _, _ = TranslationSet.create()
        TranslationSet(session_id).transition_set_()
        for module in SUITE_MODULES:
            with self.subTest(module=module):
                source = polib.pofile(
                    Translation.translation_export('en', module).decode())
                french = polib.pofile(
                    os.path.join(module_folder(module), 'locale', 'fr.po'))
                translated = {
                    (e.msgctxt, e.msgid) for e in french if e.msgstr}
                missing = [
                    f'{e.msgctxt} {e.msgid!r}' for e in source
                    if (e.msgctxt, e.msgid) not in translated]
                self.assertTrue(source)
                self.assertEqual(missing, [])
