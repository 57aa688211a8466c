"""The project's errors. The CLI turns each into one line on stderr and a non-zero exit."""


class KtCleanError(Exception):
    """Base class of every error kt-clean raises on purpose."""


class InputError(KtCleanError):
    """An input page could not be read or decoded; ``source`` names it."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class LayoutError(KtCleanError):
    """A layout rule file is malformed; the message names the file and the problem."""
