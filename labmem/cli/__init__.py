"""The `labmem` command line (the top floor): sub-commands and parser (main), `labmem run`
and `labmem campaign` with the exit codes every command shares (run)."""
