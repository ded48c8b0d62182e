"""Errors that map onto the CLI's exit codes (see docs/DESIGN.md, CLI contract)."""


class ShiftwatchError(Exception):
    """Base class. ``exit_code`` is what the CLI returns for it."""

    exit_code = 3


class ConfigError(ShiftwatchError):
    """Bad config or usage: exit 2. ``problems`` lists every problem found, one line each."""

    exit_code = 2

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class WarehouseError(ShiftwatchError):
    """The warehouse, dbt or GE failed at run time: exit 3."""

    exit_code = 3
