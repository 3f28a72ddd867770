# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""French invoices: the legal mentions on a PDF made from a template,
Factur-X (CII) and UBL on posting, supplier e-invoices received, VAT on
receipts and the monthly VAT return (CA3). docs/einvoicing.md"""
