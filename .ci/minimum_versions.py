"""Write pip constraints that pin every declared dependency to its floor.

Each requirement of ``pyproject.toml`` (the dependencies and every extra) is
turned into ``name==floor``: ``numpy>=1.26.0`` becomes ``numpy==1.26.0`` and
``scikeras==0.13.*`` becomes ``scikeras==0.13.0``; upper bounds and markers
are left out. Installing the package with these constraints gives the oldest
environment the package claims to support; packages it does not name directly
are left to pip.

Usage: ``python .ci/minimum_versions.py [pyproject.toml] > constraints.txt``
"""

import re
import sys
import tomllib

# name, optional [extras], then comma-separated clauses; a ";" marker is dropped.
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?(?P<spec>[^;]*)"
)
_FLOOR = re.compile(r"^\s*(?P<op>>=|==|~=)\s*(?P<version>[0-9][0-9A-Za-z.*+!-]*)\s*$")


def floor(requirement):
    """The ``name==version`` constraint for one requirement string.

    Parameters
    ----------
    requirement : str
        A requirement such as ``"dask[distributed]>=2024.1.0"`` or
        ``"psycopg>=3.1.8,<4"``.

    Returns
    -------
    constraint : str
        ``"dask==2024.1.0"``: the lower bound (``>=``, ``==`` or ``~=``), with
        extras dropped, since pip refuses them in a constraints file.

    Raises
    ------
    ValueError
        If the requirement has no lower bound, or more than one.
    """
    match = _REQUIREMENT.match(requirement)
    floors = [
        clause for clause in (match["spec"].split(",") if match else [])
        if _FLOOR.match(clause)
    ]
    if len(floors) != 1:
        raise ValueError(f"No single lower bound to pin in {requirement!r}")
    version = _FLOOR.match(floors[0])["version"]
    if version.endswith(".*"):
        version = version[:-2] + ".0"
    return f"{match['name']}=={version}"


def constraints(pyproject):
    """The constraints for every requirement in a parsed ``pyproject.toml``."""
    project = pyproject["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins = {}
    for requirement in requirements:
        pin = floor(requirement)
        name = pin.split("==")[0].lower().replace("_", "-")
        if pins.setdefault(name, pin) != pin:
            raise ValueError(f"{name} has two different floors: {pins[name]}, {pin}")
    return sorted(pins.values(), key=str.lower)


def main(argv):
    path = argv[1] if len(argv) > 1 else "pyproject.toml"
    with open(path, "rb") as file:
        print("\n".join(constraints(tomllib.load(file))))


if __name__ == "__main__":
    main(sys.argv)
