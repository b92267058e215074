"""requirements.txt is the full runtime lock: every package the Lambda code needs, transitive ones included,
pinned to the version this venv (where the tests run) has, and generated from requirements.in (`make lock`).

The deployment zip is built from the lock, so the package ships exactly what the tests ran.
"""

from __future__ import annotations

import zipfile
from importlib import metadata

import pytest
from infra_support import PROJECT_DIR
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = PROJECT_DIR / "requirements.txt"
DIRECT = PROJECT_DIR / "requirements.in"
DEV = PROJECT_DIR / "requirements-dev.txt"


def requirement_lines(path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def pins(path) -> dict[str, str]:
    """Canonical name -> pinned version; fails on any line that is not an exact pin."""
    pinned = {}
    for line in requirement_lines(path):
        if line.startswith("-r "):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{path.name}: {line!r} is not an exact pin"
        pinned[canonicalize_name(requirement.name)] = specifiers[0].version
    return pinned


def dependencies(name: str) -> set[str]:
    """What an installed distribution requires on this platform, without extras."""
    needed = set()
    for raw in metadata.requires(name) or []:
        requirement = Requirement(raw)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            needed.add(canonicalize_name(requirement.name))
    return needed


def test_every_direct_dependency_is_locked_at_the_version_requirements_in_pins():
    locked = pins(LOCK)

    assert {name: locked.get(name) for name in pins(DIRECT)} == pins(DIRECT)


def test_the_lock_holds_every_transitive_dependency_of_what_it_locks():
    locked = pins(LOCK)

    missing = {name: sorted(dependencies(name) - set(locked)) for name in locked}

    assert {name: needs for name, needs in missing.items() if needs} == {}


def test_the_lock_holds_nothing_the_direct_dependencies_do_not_need():
    locked = pins(LOCK)
    reached, todo = set(), list(pins(DIRECT))
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(dependencies(name))

    assert set(locked) - reached == set()


def test_the_venv_the_tests_run_in_has_exactly_the_locked_versions():
    installed = {name: metadata.version(name) for name in pins(LOCK)}

    assert installed == pins(LOCK)


def test_the_dev_requirements_install_the_lock_and_pin_none_of_its_packages_again():
    assert requirement_lines(DEV)[0] == "-r requirements.txt"
    assert set(pins(DEV)) & set(pins(LOCK)) == set()


@pytest.mark.slow
def test_the_deployment_package_ships_the_locked_botocore_and_pynamodb(packaged):
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as package:
        shipped = {
            canonicalize_name(name.split("/", 1)[0].removesuffix(".dist-info").rsplit("-", 1)[0]): (
                name.split("/", 1)[0].removesuffix(".dist-info").rsplit("-", 1)[1]
            )
            for name in package.namelist()
            if name.split("/", 1)[0].endswith(".dist-info")
        }
    locked = pins(LOCK)

    assert {name: shipped.get(name) for name in ("botocore", "boto3", "pynamodb")} == {
        name: locked[name] for name in ("botocore", "boto3", "pynamodb")
    }
