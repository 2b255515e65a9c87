"""Resource namespaces, one module per API area."""
