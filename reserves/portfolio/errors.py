"""Bad input: one French message per problem, naming sheet, row, column and value."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS = 100  # the first hundred problems are listed, the others counted
STOPPED = (f"… et d'autres problèmes : la lecture s'est arrêtée après les {MAX_PROBLEMS} premiers ; corrigez-les puis "
           "recommencez.")


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str | None = None
    row: int | None = None  # as Excel shows it (1-based)
    column: str | None = None  # "D (valeur)"
    value: object = None

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne {self.column}")
        head = ", ".join(where)
        text = f"{head[:1].upper()}{head[1:]} : {self.message}" if head else self.message
        if self.value is not None and self.value != "":
            text += f" (valeur lue : « {_shorten(self.value)} »)"
        return text

    def to_dict(self) -> dict:
        return {"message": str(self), "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": None if self.value is None else _shorten(self.value)}


def _shorten(value: object, width: int = 60) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class InputError(Exception):
    """Raised with every problem found; the command line prints them and exits with code 2."""

    problems: list[Problem] = field(default_factory=list)
    dropped: int = 0  # problems beyond MAX_PROBLEMS, counted but not listed
    truncated: bool = False  # reading stopped once the list was full: there may be more than `dropped`

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    @classmethod
    def one(cls, message: str, **where) -> "InputError":
        return cls([Problem(message, **where)])

    def summary(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.truncated:
            lines.append(STOPPED)
        elif self.dropped:
            lines.append(f"… et {self.dropped} autre(s) problème(s) du même fichier.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class TooLarge(InputError):
    """Bad input because the file asks for more work than the product allows (a grid of cells beyond the reader's
    limit): exit 2 on the command line, HTTP 413 on the server."""

    status = 413


class ProblemList:
    """Collects problems up to a cap, so that a million bad cells stay one readable message."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.dropped = 0
        self.truncated = False

    def add(self, message: str, **where) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(message, **where))
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def stop(self) -> None:
        """Reading stops here: the problems found so far are all that will be said."""
        self.truncated = True

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(list(self.items), self.dropped, self.truncated)
