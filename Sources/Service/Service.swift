// Service module: see docs/ARCHITECTURE.md.
