"""Write pip constraints that pin every declared dependency to its floor.

Each requirement of ``pyproject.toml`` (the dependencies and every extra) is
turned into ``name==floor``: ``numpy>=1.26.0`` becomes ``numpy==1.26.0`` and
``scikeras==0.13.*`` becomes ``scikeras==0.13.0``. Installing the package
with these constraints gives the oldest environment the package claims to
support; packages it does not name directly are left to pip.

Usage: ``python .ci/minimum_versions.py [pyproject.toml] > constraints.txt``
"""

import re
import sys
import tomllib

# name[extras] followed by one specifier; the floors are written as one
# ">=" or "==" clause so that this stays a few lines.
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*"
    r"(?P<op>>=|==)\s*(?P<version>[0-9][0-9A-Za-z.*+!-]*)\s*$"
)


def floor(requirement):
    """The ``name==version`` constraint for one requirement string.

    Parameters
    ----------
    requirement : str
        A requirement such as ``"dask[distributed]>=2024.1.0"``.

    Returns
    -------
    constraint : str
        ``"dask==2024.1.0"``: extras dropped, since pip refuses them in a
        constraints file.

    Raises
    ------
    ValueError
        If the requirement has no single ``>=`` or ``==`` lower bound.
    """
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ValueError(f"No single lower bound to pin in {requirement!r}")
    version = match["version"]
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
