"""The house registers its rooms: every feature's models, routes and jobs are collected."""
import importlib
from pathlib import Path

from portal.db import BaseModel
from portal.features import FEATURES, all_models, models_in

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def test_every_models_module_of_every_feature_is_collected():
    collected = set(all_models())
    for path in sorted(PORTAL.glob("*/models.py")):
        module = importlib.import_module(f"portal.{path.parent.name}.models")
        missing = [m.__name__ for m in models_in(module) if m not in collected]
        assert missing == [], f"{path.parent.name}/feature.py does not declare `models`: {missing}"


def test_every_package_with_models_or_routes_is_a_declared_feature():
    packages = {p.parent.name for p in [*PORTAL.glob("*/models.py"), *PORTAL.glob("*/views.py")]}
    declared = {f.__name__.split(".")[1] for f in FEATURES}
    assert packages - declared == set()


def test_person_is_defined_once_in_people():
    found = [m for m in all_models() if m.__name__ == "Person"]
    assert [m.__module__ for m in found] == ["portal.people.models"]
    assert all(issubclass(m, BaseModel) for m in all_models())
