# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The languages of a coop's database: French and English, translatable,
with the formats their readers expect

Tryton ships French dates as 31.01.2026; French readers write 31/01/2026.
"""
import os

from .suite import module_folder

LANGUAGES = ['en', 'fr']
FORMATS = {
    'fr': {'date': '%d/%m/%Y'},
    }


def configure_languages():
    "Make LANGUAGES translatable, with their FORMATS"
    from trytond.pool import Pool
    Lang = Pool().get('ir.lang')
    for lang in Lang.search([('code', 'in', LANGUAGES)]):
        Lang.write([lang], {
                'translatable': True,
                **FORMATS.get(lang.code, {}),
                })


def load_french(modules):
    """Load the French of modules (their locale/fr.po) and French formats,
    for tests that read what a French user sees"""
    from trytond.pool import Pool
    pool = Pool()
    Lang = pool.get('ir.lang')
    Translation = pool.get('ir.translation')
    french, = Lang.search([('code', '=', 'fr')])
    Lang.write([french], FORMATS['fr'])
    for module in modules:
        Translation.translation_import('fr', module, os.path.join(
                module_folder(module), 'locale', 'fr.po'))
