"""Everything that touches a platform or a process: the CLI, settings, wiring, console, adapters."""
