"""The demo organisation: its blueprint documents, the operation that builds it, the `demo` command."""
