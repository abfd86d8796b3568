// Client module: see docs/ARCHITECTURE.md.
