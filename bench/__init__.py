"""treatybot's benchmark: ``python -m bench [--quick] [--json PATH]`` (see bench/README.md)."""
