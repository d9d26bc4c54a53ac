"""The error tree in azkg.errors is drawn whole in its docstring, and client and server faults are told
apart by class: every 4xx is a ClientError, every 5xx a ServerError."""

from __future__ import annotations

import inspect
import re

import pytest

from azkg import errors

CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, errors.AzkgError) and cls.__module__ == errors.__name__
}
# one line per class: the tree's branches, the name, what it means, the status and the code
LINE = re.compile(r"^(?P<indent>[│├└─ ]*)(?P<name>\w+Error)\s.*\s(?P<status>\d{3}) (?P<code>[a-z_]+)$")


def _drawn() -> dict[str, tuple[int, int, str]]:
    """Each class in the docstring: (depth, status, code)."""
    drawn = {}
    for line in (errors.__doc__ or "").splitlines():
        match = LINE.match(line)
        if match:
            depth = len(match["indent"]) // 4
            drawn[match["name"]] = (depth, int(match["status"]), match["code"])
    return drawn


def test_docstring_draws_every_class() -> None:
    assert set(_drawn()) == set(CLASSES)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_class_has_the_status_and_code_drawn(name: str) -> None:
    _, status, code = _drawn()[name]
    assert (CLASSES[name].status, CLASSES[name].code) == (status, code)


def test_tree_is_drawn_as_the_classes_inherit() -> None:
    parents: list[str] = []
    for name, (depth, _, _) in _drawn().items():
        parents[depth:] = [name]
        if depth:
            assert parents[depth - 1] in [base.__name__ for base in CLASSES[name].__bases__], name


def test_codes_are_unique_but_for_the_family_defaults() -> None:
    codes = [cls.code for cls in CLASSES.values() if cls is not errors.ClientError]  # RequestError says it too
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_fault_is_told_by_class(name: str) -> None:
    cls = CLASSES[name]
    if cls.status >= 500 and cls is not errors.AzkgError:
        assert issubclass(cls, errors.ServerError), f"{name} answers {cls.status}: a server fault"
    if 400 <= cls.status < 500:
        assert issubclass(cls, errors.ClientError), f"{name} answers {cls.status}: a client fault"


# a CurationError is built from problems, not a message; ClientError's code is RequestError's too, and a
# code comes back as the most specific class that has it
REBUILT = [cls for cls in CLASSES.values() if cls not in (errors.CurationError, errors.ClientError)]


@pytest.mark.parametrize("cls", REBUILT, ids=[cls.__name__ for cls in REBUILT])
def test_an_error_reported_by_its_code_comes_back_as_its_class(cls: type[errors.AzkgError]) -> None:
    """What a worker or a write's child reports by code is raised again with its own class and status."""
    again = errors.reported(cls.code, "said elsewhere", errors.StoreError)
    assert type(again) is cls and again.status == cls.status and str(again) == "said elsewhere"


def test_an_unknown_code_is_the_fallback() -> None:
    assert type(errors.reported("no_such_code", "?", errors.StoreError)) is errors.StoreError
