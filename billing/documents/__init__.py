"""Finished invoice documents, independent of the database: the e-invoice and the PDF."""
