__version__ = "0.1.0"
"""The installed version of ``openfactura`` (also ``openfactura --version``)."""
